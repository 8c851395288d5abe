// Entry-module source for benches that run real SQLite-backed objects (bench/objects.ts, bench/storage.ts):
// each class re-exported under its own name as a subclass that keeps every SQL statement's cursor, so
// `meterRows()` can sum SQLite's own `rowsWritten` / `rowsRead` — what SQLite-backed storage is billed
// by. Plain JS in the bundled entry: it patches the SqlStorage prototype, which is not ours to type.
// The count is the isolate's (every metered object in it, and by class), read and reset by any of them.

export interface ObjectClass {
  /** The exported class name (the Durable Object binding's className). */
  readonly name: string
  /** Absolute path of the module that exports it. */
  readonly path: string
}

export function meteredClasses(classes: readonly ObjectClass[]): string {
  const imports = classes.map((c) => `import { ${c.name} as ${c.name}Unmetered } from ${JSON.stringify(c.path)}`)
  const subclasses = classes.map(
    (c) => `export class ${c.name} extends ${c.name}Unmetered {
  constructor(ctx, env) { meterSql(ctx.storage.sql, ${JSON.stringify(c.name)} + objectKind(ctx.id.name)); super(ctx, env) }
  meterRows() { return takeRows() }
}`,
  )
  return [
    ...imports,
    `const meterCursors = []
const meteredProtos = new WeakSet()
const classOf = new WeakMap()
// A Counters key's kind from its object's name (src/counters/keys.ts counterName: ["device", …]).
function objectKind(name) {
  try { const k = JSON.parse(name)[0]; return typeof k === 'string' && /^[a-z_]+$/.test(k) ? ' ' + k : '' } catch { return '' }
}
function meterSql(sql, name) {
  classOf.set(sql, name)
  const proto = Object.getPrototypeOf(sql)
  if (meteredProtos.has(proto)) return
  const exec = proto.exec
  proto.exec = function (...args) { const c = exec.apply(this, args); meterCursors.push([classOf.get(this) ?? '?', c]); return c }
  meteredProtos.add(proto)
}
function takeRows() {
  let read = 0, written = 0
  const byClass = {}
  for (const [name, c] of meterCursors) {
    read += c.rowsRead
    written += c.rowsWritten
    const k = (byClass[name] ??= { read: 0, written: 0 })
    k.read += c.rowsRead
    k.written += c.rowsWritten
  }
  meterCursors.length = 0
  return { read, written, byClass }
}`,
    ...subclasses,
  ].join('\n')
}

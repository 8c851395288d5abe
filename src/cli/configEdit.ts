// The edits `npm run config` makes, as plain data: takes the stored config text (or null) and
// a command; returns the JSON to write, or every problem the real schema (src/config) finds.
// Pure: no KV, no clock (today's date is an argument). The caller writes and reports.
import { compileConfig } from '../config/compileConfig'
import { MODES, type Mode } from '../config/schema'
import { ROUTE_CLASSES, type RouteClass } from '../config/routeClasses'

export type ConfigEdit =
  | { readonly kind: 'set'; readonly json: unknown }
  | { readonly kind: 'mode'; readonly mode: Mode }
  | { readonly kind: 'add-route'; readonly routeClass: string; readonly pattern: string }
  /** Registers (or re-keys) an app: its id and Ed25519 public key as a JWK (docs/apps.md). */
  | { readonly kind: 'add-app'; readonly id: string; readonly publicKey: unknown }

export type EditResult =
  | { readonly ok: true; readonly config: Record<string, unknown>; readonly text: string }
  | { readonly ok: false; readonly problems: readonly string[] }

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x)

/**
 * The next version after `previous`: `<today>.<n>`, n one more than the previous one's when it is
 * from today too (`2026-12-05.1` → `2026-12-05.2`), else 1. Never equal to `previous`.
 */
export function nextVersion(previous: string | null, today: string): string {
  const m = previous === null ? null : /^(\d{4}-\d{2}-\d{2})\.(\d+)$/.exec(previous)
  if (m !== null && m[1] === today) return `${today}.${Number(m[2]) + 1}`
  const first = `${today}.1`
  return first === previous ? `${today}.2` : first
}

/** The stored config as an object; null text (nothing stored) is an empty config. */
export function parseStored(text: string | null): { ok: true; value: Record<string, unknown> } | { ok: false; problem: string } {
  if (text === null) return { ok: true, value: {} }
  try {
    const value: unknown = JSON.parse(text)
    return isObject(value) ? { ok: true, value } : { ok: false, problem: 'the stored config is not a JSON object' }
  } catch {
    return { ok: false, problem: 'the stored config is not JSON' }
  }
}

export function applyEdit(stored: Record<string, unknown>, edit: ConfigEdit, today: string): EditResult {
  const previous = typeof stored.version === 'string' ? stored.version : null
  let next: Record<string, unknown>
  switch (edit.kind) {
    case 'set': {
      if (!isObject(edit.json)) return { ok: false, problems: ['(root): must be a JSON object'] }
      // A config written whole names its own version; one without gets a fresh one.
      next = 'version' in edit.json ? { ...edit.json } : { version: nextVersion(previous, today), ...edit.json }
      break
    }
    case 'mode':
      next = { ...stored, mode: edit.mode, version: nextVersion(previous, today) }
      break
    case 'add-app': {
      const jwk = isObject(edit.publicKey) ? { kty: edit.publicKey.kty, crv: edit.publicKey.crv, x: edit.publicKey.x } : edit.publicKey
      const apps = Array.isArray(stored.apps) ? (stored.apps as unknown[]) : []
      const kept = apps.filter((a) => !(isObject(a) && a.id === edit.id))
      next = { ...stored, apps: [...kept, { id: edit.id, public_key: jwk }], version: nextVersion(previous, today) }
      break
    }
    case 'add-route': {
      if (!(ROUTE_CLASSES as readonly string[]).includes(edit.routeClass)) {
        return { ok: false, problems: [`class: "${edit.routeClass}" is not one of ${ROUTE_CLASSES.join(', ')}`] }
      }
      const route = { class: edit.routeClass as RouteClass, pattern: edit.pattern }
      const added = Array.isArray(stored.routes_add) ? (stored.routes_add as unknown[]) : []
      const kept = added.filter((r) => !(isObject(r) && r.class === route.class && r.pattern === route.pattern))
      next = { ...stored, routes_add: [...kept, route], version: nextVersion(previous, today) }
      break
    }
  }
  const compiled = compileConfig(next)
  if (!compiled.ok) return { ok: false, problems: compiled.problems ?? [compiled.detail ?? 'invalid config'] }
  return { ok: true, config: next, text: JSON.stringify(next) }
}

export const isMode = (x: string): x is Mode => (MODES as readonly string[]).includes(x)

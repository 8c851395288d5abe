// A tolerant JSON leaf walker for credential bodies: takes JSON text, calls `onLeaf(path, value)`
// for every string or number leaf (path = lower-cased keys joined by '.', array levels skipped), and
// returns whether the text was complete, well-formed JSON. Unlike JSON.parse it reports every
// duplicate key (`{"username":"a","username":"b"}` yields both). Never throws; bounded depth.

export type LeafVisitor = (path: string, value: string) => void

const MAX_DEPTH = 32
const WHITESPACE = new Set([' ', '\t', '\n', '\r'])
const NUMBER_CHARS = /[-+0-9.eE]/

class Walker {
  pos = 0
  readonly text: string
  readonly onLeaf: LeafVisitor
  constructor(text: string, onLeaf: LeafVisitor) {
    this.text = text
    this.onLeaf = onLeaf
  }

  skipSpace(): void {
    while (this.pos < this.text.length && WHITESPACE.has(this.text[this.pos]!)) this.pos++
  }

  /** A string token at `pos`, decoded, or null when it is cut off or malformed. */
  string(): string | null {
    const start = this.pos
    let i = start + 1
    while (i < this.text.length) {
      const c = this.text[i]
      if (c === '\\') i += 2
      else if (c === '"') break
      else i++
    }
    if (i >= this.text.length) return null
    this.pos = i + 1
    try {
      const decoded: unknown = JSON.parse(this.text.slice(start, i + 1))
      return typeof decoded === 'string' ? decoded : null
    } catch {
      return null
    }
  }

  /** One value at `pos`; false when the text is malformed or ends inside it. */
  value(path: string, depth: number): boolean {
    if (depth > MAX_DEPTH) return false
    this.skipSpace()
    const c = this.text[this.pos]
    if (c === '{') return this.object(path, depth)
    if (c === '[') return this.array(path, depth)
    if (c === '"') {
      const s = this.string()
      if (s === null) return false
      this.onLeaf(path, s)
      return true
    }
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length
        return true
      }
    }
    const start = this.pos
    while (this.pos < this.text.length && NUMBER_CHARS.test(this.text[this.pos]!)) this.pos++
    const raw = this.text.slice(start, this.pos)
    if (raw === '' || !Number.isFinite(Number(raw))) return false
    this.onLeaf(path, raw)
    return true
  }

  object(path: string, depth: number): boolean {
    this.pos++ // {
    this.skipSpace()
    if (this.text[this.pos] === '}') {
      this.pos++
      return true
    }
    for (;;) {
      this.skipSpace()
      if (this.text[this.pos] !== '"') return false
      const key = this.string()
      if (key === null) return false
      this.skipSpace()
      if (this.text[this.pos] !== ':') return false
      this.pos++
      const child = path === '' ? key.toLowerCase() : `${path}.${key.toLowerCase()}`
      if (!this.value(child, depth + 1)) return false
      this.skipSpace()
      const next = this.text[this.pos++]
      if (next === '}') return true
      if (next !== ',') return false
    }
  }

  array(path: string, depth: number): boolean {
    this.pos++ // [
    this.skipSpace()
    if (this.text[this.pos] === ']') {
      this.pos++
      return true
    }
    for (;;) {
      if (!this.value(path, depth + 1)) return false
      this.skipSpace()
      const next = this.text[this.pos++]
      if (next === ']') return true
      if (next !== ',') return false
    }
  }
}

/**
 * Visits every leaf of `text` until the end or the first error; leaves before an error (a body cut
 * at the cap) are still visited. True only for one complete JSON value with nothing but space after it.
 */
export function walkJsonLeaves(text: string, onLeaf: LeafVisitor): boolean {
  const walker = new Walker(text, onLeaf)
  try {
    if (!walker.value('', 0)) return false
  } catch {
    return false // a stack overflow on hostile nesting cannot happen below MAX_DEPTH, but never throw
  }
  walker.skipSpace()
  return walker.pos === text.length
}

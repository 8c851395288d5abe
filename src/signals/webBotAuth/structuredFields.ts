// Structured Field Values (RFC 8941), the part HTTP Message Signatures needs: takes a header
// value, returns a parsed Dictionary or Item, or null for anything malformed; and serialises
// items and inner lists back (the signature base is built from the canonical serialisation).
// Pure and total: no input throws, and the work is linear in a length the caller caps.

export type BareItem =
  | { readonly type: 'integer'; readonly value: number }
  | { readonly type: 'decimal'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'token'; readonly value: string }
  | { readonly type: 'bytes'; readonly value: Uint8Array }
  | { readonly type: 'boolean'; readonly value: boolean }

/** Parameters in the order first seen (a repeated key keeps its place and takes the last value). */
export type Params = ReadonlyMap<string, BareItem>
export interface Item {
  readonly kind: 'item'
  readonly value: BareItem
  readonly params: Params
}
export interface InnerList {
  readonly kind: 'inner'
  readonly items: readonly Item[]
  readonly params: Params
}
export type Member = Item | InnerList
export type Dictionary = ReadonlyMap<string, Member>

const TRUE: BareItem = { type: 'boolean', value: true }

class Cursor {
  i = 0
  readonly s: string
  constructor(s: string) {
    this.s = s
  }
  peek(): string {
    return this.s[this.i] ?? ''
  }
  done(): boolean {
    return this.i >= this.s.length
  }
  skipSp(): void {
    while (this.s[this.i] === ' ') this.i++
  }
  skipOws(): void {
    while (this.s[this.i] === ' ' || this.s[this.i] === '\t') this.i++
  }
}

/** A Dictionary field value, or null when malformed. */
export function parseDictionary(input: string): Dictionary | null {
  const c = new Cursor(trimOws(input))
  const out = new Map<string, Member>()
  if (!isAscii(c.s)) return null
  while (!c.done()) {
    const key = parseKey(c)
    if (key === null) return null
    let member: Member | null
    if (c.peek() === '=') {
      c.i++
      member = parseItemOrInnerList(c)
    } else {
      const params = parseParams(c)
      member = params === null ? null : { kind: 'item', value: TRUE, params }
    }
    if (member === null) return null
    out.delete(key) // a repeated key takes the last value (RFC 8941 §4.2.2)
    out.set(key, member)
    c.skipOws()
    if (c.done()) return out
    if (c.peek() !== ',') return null
    c.i++
    c.skipOws()
    if (c.done()) return null // a trailing comma
  }
  return out
}

/** An Item field value, or null when malformed. */
export function parseItemField(input: string): Item | null {
  const c = new Cursor(trimOws(input))
  if (!isAscii(c.s)) return null
  const item = parseItem(c)
  return item !== null && c.done() ? item : null
}

function parseItemOrInnerList(c: Cursor): Member | null {
  return c.peek() === '(' ? parseInnerList(c) : parseItem(c)
}

function parseInnerList(c: Cursor): InnerList | null {
  c.i++ // (
  const items: Item[] = []
  for (;;) {
    c.skipSp()
    if (c.done()) return null
    if (c.peek() === ')') {
      c.i++
      const params = parseParams(c)
      return params === null ? null : { kind: 'inner', items, params }
    }
    const item = parseItem(c)
    if (item === null) return null
    items.push(item)
    const next = c.peek()
    if (next !== ' ' && next !== ')') return null
  }
}

function parseItem(c: Cursor): Item | null {
  const value = parseBareItem(c)
  if (value === null) return null
  const params = parseParams(c)
  return params === null ? null : { kind: 'item', value, params }
}

function parseParams(c: Cursor): Map<string, BareItem> | null {
  const params = new Map<string, BareItem>()
  while (c.peek() === ';') {
    c.i++
    c.skipSp()
    const key = parseKey(c)
    if (key === null) return null
    let value: BareItem | null = TRUE
    if (c.peek() === '=') {
      c.i++
      value = parseBareItem(c)
      if (value === null) return null
    }
    params.set(key, value)
  }
  return params
}

function parseKey(c: Cursor): string | null {
  const first = c.peek()
  if (!/^[a-z*]$/.test(first)) return null
  const start = c.i
  while (/^[a-z0-9_\-.*]$/.test(c.peek())) c.i++
  return c.s.slice(start, c.i)
}

function parseBareItem(c: Cursor): BareItem | null {
  const ch = c.peek()
  if (ch === '-' || (ch >= '0' && ch <= '9')) return parseNumber(c)
  if (ch === '"') return parseString(c)
  if (ch === ':') return parseBytes(c)
  if (ch === '?') return parseBoolean(c)
  if (ch === '*' || /^[A-Za-z]$/.test(ch)) return parseToken(c)
  return null
}

function parseNumber(c: Cursor): BareItem | null {
  const m = /^-?(\d{1,15})(\.\d{1,3})?/.exec(c.s.slice(c.i, c.i + 20))
  if (m === null) return null
  const text = m[0]
  const intDigits = m[1]!.length
  if (m[2] !== undefined) {
    if (intDigits > 12) return null
    c.i += text.length
    if (/^\d/.test(c.peek()) || c.peek() === '.') return null
    return { type: 'decimal', value: Number(text) }
  }
  c.i += text.length
  // 16+ digits or a dot with no fraction digit after the integer part: malformed.
  if (/^\d/.test(c.peek()) || c.peek() === '.') return null
  return { type: 'integer', value: Number(text) }
}

function parseString(c: Cursor): BareItem | null {
  c.i++ // "
  let out = ''
  while (!c.done()) {
    const ch = c.s[c.i++]!
    if (ch === '\\') {
      const next = c.s[c.i++]
      if (next !== '"' && next !== '\\') return null
      out += next
    } else if (ch === '"') {
      return { type: 'string', value: out }
    } else {
      const code = ch.charCodeAt(0)
      if (code < 0x20 || code > 0x7e) return null
      out += ch
    }
  }
  return null
}

function parseToken(c: Cursor): BareItem | null {
  const start = c.i
  c.i++
  while (/^[!#$%&'*+\-.^_`|~0-9A-Za-z:/]$/.test(c.peek())) c.i++
  return { type: 'token', value: c.s.slice(start, c.i) }
}

function parseBytes(c: Cursor): BareItem | null {
  const end = c.s.indexOf(':', c.i + 1)
  if (end === -1) return null
  const b64 = c.s.slice(c.i + 1, end)
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return null
  c.i = end + 1
  const bytes = decodeBase64(b64)
  return bytes === null ? null : { type: 'bytes', value: bytes }
}

function parseBoolean(c: Cursor): BareItem | null {
  const v = c.s[c.i + 1]
  if (v !== '0' && v !== '1') return null
  c.i += 2
  return { type: 'boolean', value: v === '1' }
}

export function serializeBareItem(b: BareItem): string {
  switch (b.type) {
    case 'integer':
      return String(b.value)
    case 'decimal': {
      const fixed = (Math.round(b.value * 1000) / 1000).toFixed(3).replace(/0+$/, '')
      return fixed.endsWith('.') ? `${fixed}0` : fixed
    }
    case 'string':
      return `"${b.value.replace(/[\\"]/g, '\\$&')}"`
    case 'token':
      return b.value
    case 'bytes':
      return `:${encodeBase64(b.value)}:`
    case 'boolean':
      return b.value ? '?1' : '?0'
  }
}

export function serializeParams(params: Params): string {
  let out = ''
  for (const [key, value] of params) out += value.type === 'boolean' && value.value ? `;${key}` : `;${key}=${serializeBareItem(value)}`
  return out
}

export function serializeMember(m: Member): string {
  if (m.kind === 'item') return serializeBareItem(m.value) + serializeParams(m.params)
  return `(${m.items.map(serializeMember).join(' ')})${serializeParams(m.params)}`
}

function trimOws(s: string): string {
  return s.replace(/^[ \t]+|[ \t]+$/g, '')
}

function isAscii(s: string): boolean {
  return /^[\x20-\x7e\t]*$/.test(s)
}

function decodeBase64(b64: string): Uint8Array | null {
  try {
    const bin = atob(b64)
    const out = new Uint8Array(bin.length)
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
    return out
  } catch {
    return null
  }
}

export function encodeBase64(bytes: Uint8Array): string {
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin)
}

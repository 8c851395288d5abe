// The rule language's lexer: takes rule text, returns tokens with their positions, or
// the position of the first character it cannot read. Must not evaluate anything.
import { err, ok, type Result } from '../../util/result'

export const KEYWORDS = ['and', 'or', 'not', 'in', 'contains', 'true', 'false', 'missing'] as const
export type Keyword = (typeof KEYWORDS)[number]

export type Token =
  | { readonly kind: 'number'; readonly value: number; readonly pos: number }
  | { readonly kind: 'string'; readonly value: string; readonly pos: number }
  | { readonly kind: 'ident'; readonly value: string; readonly pos: number }
  | { readonly kind: 'keyword'; readonly value: Keyword; readonly pos: number }
  | { readonly kind: 'op'; readonly value: string; readonly pos: number }
  | { readonly kind: 'end'; readonly pos: number }

export const MAX_RULE_CHARS = 2000
const MAX_STRING = 256
const OPS = ['==', '!=', '<=', '>=', '<', '>', '(', ')', '[', ']', ',', '+', '-', '*', '/'] as const

export function tokenize(text: string): Result<Token[], 'syntax'> {
  if (text.length > MAX_RULE_CHARS) return err('syntax', `longer than ${MAX_RULE_CHARS} characters`)
  const tokens: Token[] = []
  let i = 0
  while (i < text.length) {
    const c = text[i] as string
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++
      continue
    }
    const start = i
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const m = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i))
      const value = Number(m?.[0])
      if (m === null || !Number.isFinite(value)) return err('syntax', `bad number at position ${start + 1}`)
      tokens.push({ kind: 'number', value, pos: start })
      i += m[0].length
      continue
    }
    if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1)
      if (end === -1) return err('syntax', `unterminated string at position ${start + 1}`)
      const value = text.slice(i + 1, end)
      if (value.length > MAX_STRING || value.includes('\\')) return err('syntax', `bad string at position ${start + 1} (max ${MAX_STRING} chars, no escapes)`)
      tokens.push({ kind: 'string', value, pos: start })
      i = end + 1
      continue
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i)) as RegExpExecArray
      const word = m[0]
      const lower = word.toLowerCase()
      if ((KEYWORDS as readonly string[]).includes(lower)) tokens.push({ kind: 'keyword', value: lower as Keyword, pos: start })
      else tokens.push({ kind: 'ident', value: word, pos: start })
      i += word.length
      continue
    }
    const op = OPS.find((o) => text.startsWith(o, i))
    if (op === undefined) return err('syntax', `unexpected ${JSON.stringify(c)} at position ${start + 1}`)
    tokens.push({ kind: 'op', value: op, pos: start })
    i += op.length
  }
  tokens.push({ kind: 'end', pos: text.length })
  return ok(tokens)
}

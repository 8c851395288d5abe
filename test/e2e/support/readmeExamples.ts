// A page's shell examples (the README's, and the docs pages' its examples moved to) and the claim
// each one's comment makes. Takes the page's text; returns one Example per command (continuation
// lines joined) and parses its claim. Pure: the test (readme-examples.test.ts) runs them. Claims,
// from the comment after the command:
//   # 200 | # 403 block (rule) | # 200 + session | # 201: text   an HTTP answer (status, edgeward-mitigated, rule, cookie)
//   # prints "text"                                              stdout contains text
//   # shadow within 10 s                                         npm run config -- <mode>: health shows it in time
//   # refused: text                                              exit 1, stderr contains text
//   # needs an account …                                         syntax only (wrangler --help, --dry-run)
//   # a full run …  (npm run simulate -- …)                        its flags parsed by the simulator's own parser
export interface Example {
  /** 1-based line, in its page, of the command's first line. */
  readonly line: number
  readonly command: string
  readonly comment: string
}

export type Claim =
  | { readonly kind: 'assignment' }
  | { readonly kind: 'covered'; readonly by: string }
  | { readonly kind: 'account' }
  | { readonly kind: 'full-run'; readonly args: readonly string[] }
  | { readonly kind: 'mode'; readonly mode: string }
  | { readonly kind: 'route'; readonly routeClass: string; readonly pattern: string }
  | { readonly kind: 'refused'; readonly text: string }
  | { readonly kind: 'written'; readonly get: boolean }
  | { readonly kind: 'prints'; readonly text: string }
  | { readonly kind: 'http'; readonly status: number; readonly mitigation: string | null; readonly rule: string | null; readonly session: boolean }

/**
 * Lines run elsewhere, or not by npm test at all (said so here, so a new unclaimed example fails):
 * the file named is the one that runs it.
 */
const COVERED: readonly (readonly [RegExp, string])[] = [
  [/^npm ci$/, '.ci/run'], // CI's fresh clone
  [/^npm start$/, 'test/e2e/npm-start.test.ts'],
  [/^npm test$/, '.ci/run'],
  [/^npm run simulate -- --smoke$/, 'test/e2e/simulate-smoke.test.ts'],
  // Run there on the smoke's own labelled rows (a full run's file takes minutes to make).
  [/^npm run eval -- \S+ --target-fpr [\d.]+ --report \S+$/, 'test/e2e/simulate-smoke.test.ts'],
]

const COMMENT = /\s{2,}#(?:\s(.*))?$/

/** Splits `command   # comment` at the first run of 2+ spaces followed by `#` outside quotes. */
function splitComment(text: string): { command: string; comment: string } {
  let quote: string | null = null
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quote !== null) {
      if (c === quote) quote = null
    } else if (c === "'" || c === '"') quote = c
    else if (c === ' ' && text[i + 1] === ' ') {
      const m = COMMENT.exec(text.slice(i))
      if (m !== null && m.index === 0) return { command: text.slice(0, i).trim(), comment: (m[1] ?? '').trim() }
    }
  }
  return { command: text.trim(), comment: '' }
}

export function readmeExamples(readme: string): Example[] {
  const lines = readme.split('\n')
  const out: Example[] = []
  let inSh = false
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? ''
    if (raw.startsWith('```')) {
      inSh = !inSh && raw.trim() === '```sh'
      continue
    }
    if (!inSh || raw.trim() === '') continue
    const first = i
    let text = raw
    while (text.endsWith('\\') && i + 1 < lines.length) text = `${text.slice(0, -1)} ${(lines[++i] ?? '').trim()}`
    out.push({ line: first + 1, ...splitComment(text) })
  }
  return out
}

export function parseClaim(e: Example): Claim | null {
  const { command, comment } = e
  if (/^[A-Za-z_][A-Za-z0-9_]*=\S/.test(command) && !command.includes(' && ')) return { kind: 'assignment' }
  for (const [re, by] of COVERED) if (re.test(command)) return { kind: 'covered', by }
  if (/needs (?:a Cloudflare|an) account/.test(comment)) return { kind: 'account' }
  // A full simulator run takes minutes: npm test checks its flags (and runs the smoke).
  const full = /^npm run simulate -- (.+)$/.exec(command)
  if (full !== null && /^a full run\b/.test(comment)) return { kind: 'full-run', args: splitWords(full[1] ?? '') }
  const mode = /^npm run config -- (shadow|enforce|off)$/.exec(command)
  const within = /^(shadow|enforce|off) within 10 s\b/.exec(comment)
  if (mode !== null) return within !== null && within[1] === mode[1] ? { kind: 'mode', mode: mode[1] ?? '' } : null
  const route = /^npm run config -- add-route (\S+) (\/\S*)$/.exec(command)
  if (route !== null) return { kind: 'route', routeClass: route[1] ?? '', pattern: route[2] ?? '' }
  const refused = /^refused: (.+?)(?: \(|$)/.exec(comment)
  if (refused !== null) return { kind: 'refused', text: refused[1] ?? '' }
  if (/^npm run config -- (get|set)\b/.test(command)) return { kind: 'written', get: command.startsWith('npm run config -- get') }
  const prints = /^prints "(.+?)"/.exec(comment)
  if (prints !== null) return { kind: 'prints', text: prints[1] ?? '' }
  const http = /^(\d{3})(?: (block|challenge|rate_limit))?(?: \(([a-z0-9_]+)\))?( \+ session)?(?::|$)/.exec(comment)
  if (http !== null && command.startsWith('curl ')) {
    return { kind: 'http', status: Number(http[1]), mitigation: http[2] ?? null, rule: http[3] ?? null, session: http[4] !== undefined }
  }
  return null
}

/** Shell-like words: whitespace-separated, single and double quotes kept together (quotes dropped). */
export function splitWords(command: string): string[] {
  const words: string[] = []
  let word = ''
  let quote: string | null = null
  let any = false
  for (const c of command) {
    if (quote !== null) {
      if (c === quote) quote = null
      else word += c
    } else if (c === "'" || c === '"') {
      quote = c
      any = true
    } else if (/\s/.test(c)) {
      if (word !== '' || any) words.push(word)
      word = ''
      any = false
    } else word += c
  }
  if (word !== '' || any) words.push(word)
  return words
}

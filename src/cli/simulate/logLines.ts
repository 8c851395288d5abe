// Decision log lines as the simulator reads them: takes `npm start` stdout text (wrangler's own
// chatter mixed in), returns the JSON decision lines, in order. Pure; skips anything unparsable.

/** The fields the simulator and eval rely on; the rest of the line is kept as it is. */
export interface LogLine {
  readonly ts: string
  readonly ref: string
  readonly method: string
  readonly path: string
  readonly route: string
  readonly ip: string
  readonly device: string | null
  readonly user: string | null
  readonly risk: number
  readonly action: string
  readonly would_action?: string
  readonly source?: string
  readonly reasons?: readonly string[]
  readonly rules?: readonly string[]
  readonly origin_status?: number | null
  readonly counters?: string
  readonly cookie?: string
  readonly missing?: readonly string[]
  readonly features?: Readonly<Record<string, number>>
  readonly [key: string]: unknown
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

export function isLogLine(v: unknown): v is LogLine {
  return isRecord(v) && typeof v.ref === 'string' && typeof v.ip === 'string' && typeof v.ts === 'string' && typeof v.action === 'string' && typeof v.path === 'string'
}

export function parseLogLines(text: string): LogLine[] {
  const out: LogLine[] = []
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line.startsWith('{') || !line.includes('"ref"')) continue
    try {
      const v: unknown = JSON.parse(line)
      if (isLogLine(v)) out.push(v)
    } catch {
      // a partial line at the end of a file still being written
    }
  }
  return out
}

/**
 * Reserved-path lines (SDK collect, challenge, admin) are the Worker's own, not protected traffic; nor
 * is `/robots.txt`, forwarded to every client but a deny-listed one undecided (`robots_txt` among its
 * reasons, beside the deny hit when refused: no model, no features to learn from).
 */
export const isProtected = (l: LogLine): boolean => l.route !== 'edgeward' && !(l.reasons ?? []).includes('robots_txt')

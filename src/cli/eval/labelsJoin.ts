// Customer labels × decision log lines → training rows. Takes the labels export (GET
// /__edgeward/admin/labels NDJSON) and the log lines; returns {features, label, family, …} rows that
// `npm run train -- --data` reads. Pure. Precedence: ref > device > user > same IP within a window;
// at one level "fraud" beats "legitimate"; lines no label reaches are legitimate (or dropped).
import type { LogLine } from '../simulate/logLines'

export interface StoredLabel {
  readonly label: 'fraud' | 'legitimate'
  readonly ref?: string
  readonly device?: string
  readonly user?: string
  readonly note?: string
}

export const LABEL_SOURCES = ['ref', 'device', 'user', 'ip_window', 'unlabelled'] as const
export type LabelSource = (typeof LABEL_SOURCES)[number]

export interface JoinOptions {
  /** A label on a line also covers lines from the same IP within ± this many seconds (0 = off). */
  readonly ipWindowS: number
  readonly unlabelled: 'legitimate' | 'drop'
}

export interface TrainingRow {
  readonly features: Readonly<Record<string, number>>
  readonly label: 0 | 1
  readonly family: string
  readonly label_source: LabelSource
  readonly ref: string
  readonly ts: string
  readonly ip: string
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Labels NDJSON → labels; lines that are not a label are skipped (counted). */
export function parseStoredLabels(text: string): { labels: StoredLabel[]; skipped: number } {
  const labels: StoredLabel[] = []
  let skipped = 0
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    try {
      const v: unknown = JSON.parse(line)
      if (isRecord(v) && (v.label === 'fraud' || v.label === 'legitimate')) labels.push(v as unknown as StoredLabel)
      else skipped++
    } catch {
      skipped++
    }
  }
  return { labels, skipped }
}

type Verdict = { label: 0 | 1; family: string; source: LabelSource }

const familyOf = (l: StoredLabel): string => /(?:^|\s)family=([A-Za-z0-9_-]+)/.exec(l.note ?? '')?.[1] ?? (l.label === 'fraud' ? 'labelled_fraud' : 'labelled_legitimate')

/** Adds a verdict to a key's slot; fraud wins over legitimate at the same level. */
function put(map: Map<string, Verdict>, key: string | undefined, l: StoredLabel, source: LabelSource): void {
  if (key === undefined) return
  const v: Verdict = { label: l.label === 'fraud' ? 1 : 0, family: familyOf(l), source }
  const old = map.get(key)
  if (old === undefined || (old.label === 0 && v.label === 1)) map.set(key, v)
}

export function joinLabels(lines: readonly LogLine[], labels: readonly StoredLabel[], o: JoinOptions): TrainingRow[] {
  const byRef = new Map<string, Verdict>()
  const byDevice = new Map<string, Verdict>()
  const byUser = new Map<string, Verdict>()
  for (const l of labels) {
    put(byRef, l.ref, l, 'ref')
    put(byDevice, l.device, l, 'device')
    put(byUser, l.user, l, 'user')
  }
  const direct = (x: LogLine): Verdict | undefined =>
    byRef.get(x.ref) ?? (x.device === null ? undefined : byDevice.get(x.device)) ?? (x.user === null ? undefined : byUser.get(x.user))

  // IP window: the labelled lines of each address, by time.
  const anchors = new Map<string, Array<{ t: number; v: Verdict }>>()
  if (o.ipWindowS > 0) {
    for (const x of lines) {
      const v = direct(x)
      if (v !== undefined) (anchors.get(x.ip) ?? anchors.set(x.ip, []).get(x.ip)!).push({ t: Date.parse(x.ts), v })
    }
  }
  const near = (x: LogLine): Verdict | undefined => {
    const list = anchors.get(x.ip)
    if (list === undefined) return undefined
    const t = Date.parse(x.ts)
    let best: Verdict | undefined
    for (const a of list) {
      if (Math.abs(a.t - t) > o.ipWindowS * 1000) continue
      if (best === undefined || (best.label === 0 && a.v.label === 1)) best = { ...a.v, source: 'ip_window' }
    }
    return best
  }

  const out: TrainingRow[] = []
  for (const x of lines) {
    if (x.features === undefined || x.route === 'edgeward') continue
    const v = direct(x) ?? near(x)
    if (v === undefined && o.unlabelled === 'drop') continue
    const verdict: Verdict = v ?? { label: 0, family: 'unlabelled', source: 'unlabelled' }
    out.push({ features: x.features, label: verdict.label, family: verdict.family, label_source: verdict.source, ref: x.ref, ts: x.ts, ip: x.ip })
  }
  return out
}

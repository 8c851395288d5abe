// The customer's side of the feedback loop: after a run, an analyst labels a sample of what the
// attacks did (fraud, by device when there is one, and by the refs of their attempts) and the
// friction legitimate clients complained about — people, and the owners of well-behaved automation
// (monitors, scripts, app integrations), never labelled fraud — as legitimate; then the labels are
// exported as NDJSON.
import { FAMILY_INFO } from './catalog'
import type { LabelledRow } from './join'
import type { Random } from './random'
import { friction } from './report'

export interface LabelItem {
  readonly ref?: string
  readonly device?: string
  readonly label: 'fraud' | 'legitimate'
  readonly note: string
}

const MAX_PER_POST = 1000
const REFS_PER_SESSION = 25

/** What the analyst labels: `share` of attack sessions (seeded), every mitigated line of a legitimate
 * session (label 0: people and benign automation). Pure. */
export function chooseLabels(rows: readonly LabelledRow[], share: number, rng: Random): LabelItem[] {
  const bySession = new Map<string, LabelledRow[]>()
  for (const r of rows) (bySession.get(r.session) ?? bySession.set(r.session, []).get(r.session)!).push(r)
  const out: LabelItem[] = []
  for (const [session, rs] of [...bySession].sort(([a], [b]) => a.localeCompare(b))) {
    const family = rs[0]!.family
    const note = `family=${family} session=${session}`
    if (FAMILY_INFO[family].label === 1) {
      if (!rng.chance(share)) continue
      const device = rs.find((r) => r.device !== null)?.device
      if (device !== undefined && device !== null) out.push({ device, label: 'fraud', note })
      // The attempts first (what the analyst saw in the fraud report), then anything else.
      const attempts = rs.filter((r) => r.method === 'POST')
      for (const r of [...attempts, ...rs.filter((x) => x.method !== 'POST')].slice(0, REFS_PER_SESSION)) out.push({ ref: r.ref, label: 'fraud', note })
    } else {
      // A step-up (review) is not a complaint: the owner was asked for a second factor, nothing broke.
      for (const r of rs.filter(friction)) out.push({ ref: r.ref, label: 'legitimate', note: `${note} complaint` })
    }
  }
  return out
}

const auth = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })

export async function postLabels(base: URL, token: string, items: readonly LabelItem[]): Promise<number> {
  let added = 0
  for (let i = 0; i < items.length; i += MAX_PER_POST) {
    const body = items.slice(i, i + MAX_PER_POST).map((x) => JSON.stringify(x)).join('\n')
    const r = await fetch(new URL('/__edgeward/admin/labels', base), { method: 'POST', headers: { ...auth(token), 'content-type': 'application/x-ndjson' }, body })
    if (r.status !== 201) throw new Error(`POST /__edgeward/admin/labels → ${r.status}: ${(await r.text()).slice(0, 300)}`)
    added += ((await r.json()) as { added: number }).added
  }
  return added
}

/** Every stored label, paged by sequence number, as NDJSON text. */
export async function exportLabels(base: URL, token: string): Promise<string> {
  let after = 0
  let text = ''
  for (;;) {
    const r = await fetch(new URL(`/__edgeward/admin/labels?after=${after}&limit=10000`, base), { headers: auth(token) })
    if (r.status !== 200) throw new Error(`GET /__edgeward/admin/labels → ${r.status}`)
    const page = (await r.text()).split('\n').filter((l) => l.trim() !== '')
    if (page.length === 0) return text
    text += page.join('\n') + '\n'
    after = (JSON.parse(page[page.length - 1]!) as { seq: number }).seq
  }
}

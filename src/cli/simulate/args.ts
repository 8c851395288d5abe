// Command-line options of `npm run simulate`: takes argv, returns checked options or a usage error.
// Defaults give a run of a few minutes on two cores; --smoke a few seconds without Chromium.
import { parseArgs } from 'node:util'
import { FAMILIES, isFamily, type Family } from './catalog'
import { parseTactics, type Tactics } from './families/adaptiveTactics'
import { VARIANTS, type Variant } from './world'

export interface SimOptions {
  readonly seed: number
  readonly scale: number
  readonly smoke: boolean
  readonly variant: Variant
  readonly families: readonly Family[]
  readonly url: URL | null
  readonly log: string | null
  readonly root: string | null
  readonly snapshot: boolean
  readonly model: string | null
  readonly config: string | null
  readonly out: string | null
  readonly label: boolean
  readonly labelShare: number
  readonly labelsOut: string | null
  readonly adminToken: string
  readonly windowS: number
  readonly chromium: boolean
  readonly browsers: number
  /** What the adaptive families do (docs/adaptive.md): all tactics unless `--tactics` says otherwise. */
  readonly tactics: Tactics
  /** Port for our own server (default: one the OS picks). */
  readonly port: number | null
  /** Write the operator's allow list for listable benign automation (default on; --no-allow turns it off). */
  readonly allow: boolean
}

export const USAGE = `usage: npm run simulate -- [--seed N] [--scale X] [--smoke] [--variant base|shifted] [--families a,b]
  [--url URL --log FILE | --log FILE] [--root DIR | --snapshot] [--model model.json] [--config config.json]
  [--out labelled.ndjson] [--label [--label-share 0.5] [--labels-out labels.ndjson]] [--window S] [--no-chromium] [--browsers N] [--port P] [--no-allow] [--tactics all|none|browse,rotate,hidden,routes,pow]`

export function parseSimArgs(argv: readonly string[]): { ok: true; value: SimOptions } | { ok: false; error: string } {
  let a
  try {
    a = parseArgs({
      args: [...argv],
      options: {
        seed: { type: 'string', default: '1' }, scale: { type: 'string', default: '1' }, smoke: { type: 'boolean', default: false },
        variant: { type: 'string', default: 'base' }, families: { type: 'string' }, url: { type: 'string' }, log: { type: 'string' },
        root: { type: 'string' }, snapshot: { type: 'boolean', default: false }, model: { type: 'string' }, config: { type: 'string' },
        out: { type: 'string' }, label: { type: 'boolean', default: false }, 'label-share': { type: 'string', default: '0.5' },
        'labels-out': { type: 'string' }, 'admin-token': { type: 'string' }, window: { type: 'string' },
        'no-chromium': { type: 'boolean', default: false }, browsers: { type: 'string', default: '8' }, port: { type: 'string' }, 'no-allow': { type: 'boolean', default: false },
        tactics: { type: 'string' },
      },
      strict: true,
    }).values
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) }
  }
  const seed = Number(a.seed)
  const scale = Number(a.scale)
  const share = Number(a['label-share'])
  const browsers = Number(a.browsers)
  if (!Number.isInteger(seed) || seed < 0) return { ok: false, error: '--seed must be a whole number ≥ 0' }
  if (!(scale > 0 && scale <= 20)) return { ok: false, error: '--scale must be in (0, 20]' }
  if (!(VARIANTS as readonly string[]).includes(a.variant)) return { ok: false, error: `--variant must be one of ${VARIANTS.join(', ')}` }
  if (!(share >= 0 && share <= 1)) return { ok: false, error: '--label-share must be in [0, 1]' }
  if (!(Number.isInteger(browsers) && browsers >= 1 && browsers <= 12)) return { ok: false, error: '--browsers must be 1…12' }
  const port = a.port === undefined ? null : Number(a.port)
  if (port !== null && !(Number.isInteger(port) && port >= 1024 && port <= 65535)) return { ok: false, error: '--port must be 1024…65535' }
  const tactics = parseTactics(a.tactics)
  if (!tactics.ok) return { ok: false, error: `--tactics: ${tactics.error}` }
  const families = a.families === undefined ? [...FAMILIES] : a.families.split(',').map((f) => f.trim())
  const unknown = families.filter((f) => !isFamily(f))
  if (unknown.length > 0) return { ok: false, error: `unknown families: ${unknown.join(', ')} (known: ${FAMILIES.join(', ')})` }
  let url: URL | null = null
  if (a.url !== undefined) {
    try {
      url = new URL(a.url)
    } catch {
      return { ok: false, error: `--url: not a URL: ${a.url}` }
    }
    if (!/^127\./.test(url.hostname) && url.hostname !== 'localhost') return { ok: false, error: '--url must be on 127.0.0.0/8: the simulator only sends traffic to this machine' }
    if (a.log === undefined) return { ok: false, error: '--url needs --log FILE (the server stdout, tee\'d)' }
    if (a.model !== undefined || a.config !== undefined) return { ok: false, error: '--model/--config write local KV before our own server starts; with --url, write them yourself' }
  }
  const windowS = a.window === undefined ? (a.smoke ? 6 : 600) : Number(a.window)
  if (!(windowS > 0 && windowS <= 3600)) return { ok: false, error: '--window must be 1…3600 seconds' }
  return {
    ok: true,
    value: {
      seed, scale, smoke: a.smoke, variant: a.variant as Variant, families: families as Family[], url, log: a.log ?? null,
      root: a.root ?? null, snapshot: a.snapshot, model: a.model ?? null, config: a.config ?? null, out: a.out ?? null,
      label: a.label, labelShare: share, labelsOut: a['labels-out'] ?? null,
      adminToken: a['admin-token'] ?? process.env.EDGEWARD_ADMIN_TOKEN ?? 'dev-admin-token',
      windowS, chromium: !a['no-chromium'] && !a.smoke, browsers, port, allow: !a['no-allow'], tactics: tactics.value,
    },
  }
}

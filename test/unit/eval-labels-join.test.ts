// labels-join: customer labels reach log lines by ref, device, user, then by IP within a window;
// fraud beats legitimate at one level; lines no label reaches are legitimate or dropped; the rows
// are what `npm run train -- --data` reads.
import { describe, expect, it } from 'vitest'
import { joinLabels, parseStoredLabels } from '../../src/cli/eval/labelsJoin'
import type { LogLine } from '../../src/cli/simulate/logLines'
import { parseLabelledRows } from '../../src/model/dataset'
import { FEATURE_NAMES } from '../../src/features/list'

let n = 0
function line(ip: string, t: number, extra: Partial<LogLine> = {}): LogLine {
  n++
  return { ts: new Date(1_800_000_000_000 + t * 1000).toISOString(), ref: `r${n}`, method: 'POST', path: '/login', route: 'login', ip, device: null, user: null, risk: 0.1, action: 'allow', features: { route_class: 0, method_is_post: 1 }, ...extra }
}

const opts = { ipWindowS: 60, unlabelled: 'legitimate' as const }

describe('joinLabels', () => {
  it('labels the referenced line, the device everywhere, and lines near a labelled one from the same IP', () => {
    const a = line('127.1.1.1', 0)
    const b = line('127.1.1.1', 30)
    const far = line('127.1.1.1', 500)
    const dev = line('127.2.2.2', 0, { device: 'D1' })
    const other = line('127.3.3.3', 0)
    const rows = joinLabels([a, b, far, dev, other], [{ ref: a.ref, label: 'fraud', note: 'family=credential_stuffing session=x' }, { device: 'D1', label: 'fraud' }], opts)
    const by = Object.fromEntries(rows.map((r) => [r.ref, r]))
    expect(by[a.ref]).toMatchObject({ label: 1, label_source: 'ref', family: 'credential_stuffing' })
    expect(by[b.ref]).toMatchObject({ label: 1, label_source: 'ip_window', family: 'credential_stuffing' })
    expect(by[far.ref]).toMatchObject({ label: 0, label_source: 'unlabelled' })
    expect(by[dev.ref]).toMatchObject({ label: 1, label_source: 'device', family: 'labelled_fraud' })
    expect(by[other.ref]).toMatchObject({ label: 0, label_source: 'unlabelled', family: 'unlabelled' })
  })

  it('lets a direct ref label beat a device label, and fraud beat legitimate at one level', () => {
    const x = line('127.4.4.4', 0, { device: 'D2' })
    const rows = joinLabels([x], [{ device: 'D2', label: 'fraud' }, { ref: x.ref, label: 'legitimate' }], opts)
    expect(rows[0]).toMatchObject({ label: 0, label_source: 'ref' })
    const both = joinLabels([x], [{ ref: x.ref, label: 'legitimate' }, { ref: x.ref, label: 'fraud' }], opts)
    expect(both[0]).toMatchObject({ label: 1 })
  })

  it('drops unlabelled lines on request, and lines without features or on reserved paths always', () => {
    const x = line('127.5.5.5', 0)
    const reserved = line('127.5.5.5', 1, { route: 'edgeward', path: '/__edgeward/collect' })
    const bare: LogLine = { ...line('127.5.5.6', 0), features: undefined }
    expect(joinLabels([x, reserved, bare], [], { ipWindowS: 0, unlabelled: 'drop' })).toEqual([])
    expect(joinLabels([x, reserved, bare], [], opts)).toHaveLength(1)
  })

  it('writes rows the trainer accepts', () => {
    const x = line('127.6.6.6', 0)
    const text = joinLabels([x], [{ ref: x.ref, label: 'fraud' }], opts).map((r) => JSON.stringify(r)).join('\n')
    const parsed = parseLabelledRows(text, FEATURE_NAMES)
    expect(parsed.ok && parsed.value.y[0]).toBe(1)
  })
})

describe('parseStoredLabels', () => {
  it('reads the admin export and skips what is not a label', () => {
    const r = parseStoredLabels('{"seq":1,"created_at":1,"label":"fraud","ref":"abc"}\nnot json\n{"seq":2}\n\n')
    expect(r.labels).toEqual([{ seq: 1, created_at: 1, label: 'fraud', ref: 'abc' }])
    expect(r.skipped).toBe(2)
  })
})

// The eval report as one hand-written SVG: ROC curve (false-positive rate on a log axis, where
// the targets live), risk histograms for people and attacks (log counts), and per-family share
// flagged at the target threshold. Takes the computed figures; returns SVG text. Pure.
import { axes, esc, frame, legend, legendSize, line, pctLabel, polyline, text, type Tick } from './svgParts'
import type { FamilyRecall, RocSummary } from './roc'
import type { EvalRow } from './rows'

export interface ReportInput {
  readonly title: string
  readonly roc: RocSummary
  readonly rows: readonly EvalRow[]
  readonly targetFpr: number
  readonly threshold: number
  readonly recallAtTarget: number
  readonly families: readonly FamilyRecall[]
}

const HUMAN = '#1f77b4'
const ATTACK = '#d62728'
const SESSION = '#ff9896'
const MIN_FPR = 1e-4
const BINS = 20
const W = 1000

function rocPanel(r: ReportInput): string {
  const lo = Math.log10(MIN_FPR)
  const fr = frame(80, 90, 390, 330, (v) => (Math.log10(Math.max(v, MIN_FPR)) - lo) / -lo, (v) => v)
  const xTicks: Tick[] = [1e-4, 1e-3, 1e-2, 1e-1, 1].map((v) => ({ value: v, label: pctLabel(v) }))
  const yTicks: Tick[] = [0, 0.2, 0.4, 0.6, 0.8, 1].map((v) => ({ value: v, label: `${v * 100}%` }))
  // Step curve: hold the recall until the next false positive.
  const pts: Array<[number, number]> = []
  let prev = r.roc.curve[0]!
  for (const p of r.roc.curve) {
    pts.push([fr.px(p.fpr), fr.py(prev.tpr)], [fr.px(p.fpr), fr.py(p.tpr)])
    prev = p
  }
  const chance = Array.from({ length: 41 }, (_, i) => 10 ** (lo - (lo * i) / 40)).map((v) => [fr.px(v), fr.py(v)] as [number, number])
  const marks = r.roc.atFpr.map((m) => {
    const x = fr.px(m.fpr)
    return [line(x, fr.y, x, fr.y + fr.h, 'stroke="#777" stroke-dasharray="3 3"'), text(x + 3, fr.y + fr.h - 6, pctLabel(m.fpr), 'class="note" fill="#555"'),
      `<circle cx="${x.toFixed(1)}" cy="${fr.py(m.recall).toFixed(1)}" r="4.5" fill="#fff" stroke="${ATTACK}" stroke-width="2"/>`].join('\n')
  })
  const at = r.roc.atFpr.map((m) => ({ label: `recall ${(m.recall * 100).toFixed(1)}% at FPR ${pctLabel(m.fpr)} (risk ≥ ${m.threshold.toFixed(3)})`, color: '#fff', dot: ATTACK }))
  const items = [{ label: `risk score (AUC ${r.roc.auc.toFixed(4)})`, color: ATTACK }, { label: 'random guess', color: '#999', dash: true }, ...at]
  // Bottom right: a ROC curve on a log FPR axis rarely goes there.
  const size = legendSize(items)
  return [
    text(fr.x, fr.y - 14, 'ROC curve (log false-positive axis)', 'class="panel"'),
    axes(fr, xTicks, yTicks, 'false-positive rate (human requests flagged, log scale)', 'recall (attack requests flagged)'),
    polyline(chance, `stroke="#999" stroke-dasharray="5 3"`),
    polyline(pts, `stroke="${ATTACK}" stroke-width="2.5"`),
    ...marks,
    legend(fr.x + fr.w - size.w - 6, fr.y + fr.h - size.h - 22, items),
  ].join('\n')
}

function histogramPanel(r: ReportInput): string {
  const counts = { 0: new Array<number>(BINS).fill(0), 1: new Array<number>(BINS).fill(0) }
  for (const row of r.rows) counts[row.label][Math.min(BINS - 1, Math.floor(Math.min(1, Math.max(0, row.risk)) * BINS))]!++
  const max = Math.max(1, ...counts[0], ...counts[1])
  const top = Math.ceil(Math.log10(max) + 0.01)
  const fr = frame(580, 90, 390, 330, (v) => v, (v) => (v <= 0 ? 0 : Math.log10(v + 1) / top))
  const xTicks: Tick[] = [0, 0.2, 0.4, 0.6, 0.8, 1].map((v) => ({ value: v, label: v.toFixed(1) }))
  const yTicks: Tick[] = Array.from({ length: top + 1 }, (_, i) => ({ value: i === 0 ? 0 : 10 ** i - 1, label: i === 0 ? '0' : `${10 ** i}` }))
  const bars = ([0, 1] as const).flatMap((label) => counts[label].map((c, i) => {
    if (c === 0) return ''
    const x0 = fr.px(i / BINS)
    const x1 = fr.px((i + 1) / BINS)
    const y = fr.py(c)
    const color = label === 1 ? ATTACK : HUMAN
    return `<rect x="${x0.toFixed(1)}" y="${y.toFixed(1)}" width="${(x1 - x0).toFixed(1)}" height="${(fr.y + fr.h - y).toFixed(1)}" fill="${color}" fill-opacity="0.42" stroke="${color}" stroke-width="1"/>`
  }))
  const tx = fr.px(Math.min(1, r.threshold))
  const right = r.threshold < 0.5
  return [
    text(fr.x, fr.y - 14, 'Risk score histogram by ground truth', 'class="panel"'),
    axes(fr, xTicks, yTicks, 'risk score (model output, 0–1)', 'requests (log scale)'),
    ...bars,
    line(tx, fr.y, tx, fr.y + fr.h, 'stroke="#222" stroke-width="1.5" stroke-dasharray="6 3"'),
    text(right ? tx + 5 : tx - 5, fr.y + 14, `threshold ${r.threshold.toFixed(3)} (FPR ${pctLabel(r.targetFpr)})`, `class="note" text-anchor="${right ? 'start' : 'end'}"`),
    legend(right ? fr.x + fr.w - 135 : fr.x + 8, fr.y + 24, [{ label: `human (${r.roc.negatives})`, color: HUMAN, box: true }, { label: `attack (${r.roc.positives})`, color: ATTACK, box: true }]),
  ].join('\n')
}

function familyPanel(r: ReportInput, top: number): string {
  const rowH = 26
  const fr = frame(250, top, 480, r.families.length * rowH, (v) => v, () => 0)
  const out: string[] = [text(80, top - 14, `Flagged at the target threshold (risk ≥ ${r.threshold.toFixed(3)}), per family`, 'class="panel"')]
  out.push(axes({ ...fr, py: () => fr.y + fr.h }, [0, 0.25, 0.5, 0.75, 1].map((v) => ({ value: v, label: `${v * 100}%` })), [], 'share flagged (requests; sessions with any flagged request)', ''))
  r.families.forEach((f, i) => {
    const y = top + i * rowH
    out.push(text(fr.x - 8, y + 17, `${f.family}${f.label === 0 ? ' (human)' : ''}`, `class="tick" text-anchor="end"${f.label === 0 ? ` fill="${HUMAN}"` : ''}`))
    const req = Math.max(0, fr.px(f.request_rate) - fr.x)
    const ses = Math.max(0, fr.px(f.session_rate) - fr.x)
    out.push(`<rect x="${fr.x}" y="${y + 4}" width="${req.toFixed(1)}" height="9" fill="${f.label === 0 ? HUMAN : ATTACK}"/>`)
    out.push(`<rect x="${fr.x}" y="${y + 14}" width="${ses.toFixed(1)}" height="8" fill="${f.label === 0 ? '#9ecae1' : SESSION}"/>`)
    out.push(text(fr.x + fr.w + 8, y + 17, `${(f.request_rate * 100).toFixed(1)}% / ${(f.session_rate * 100).toFixed(1)}%  (${f.requests} req, ${f.sessions} sess)`, 'class="note"'))
  })
  out.push(legend(80, top + fr.h + 48, [{ label: 'requests flagged', color: ATTACK, box: true }, { label: 'sessions with a flagged request', color: SESSION, box: true }, { label: 'human families: their false-positive share', color: HUMAN, box: true }]))
  return out.join('\n')
}

export function renderReport(r: ReportInput): string {
  const famTop = 510
  const height = famTop + r.families.length * 26 + 130
  const sub = `${r.roc.rows} requests (${r.roc.negatives} human, ${r.roc.positives} attack) · AUC ${r.roc.auc.toFixed(4)} · target FPR ${pctLabel(r.targetFpr)} → threshold ${r.threshold.toFixed(3)}, recall ${(r.recallAtTarget * 100).toFixed(1)}%`
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="DejaVu Sans, Arial, sans-serif">
<style>.title{font-size:19px;font-weight:bold}.sub{font-size:13px;fill:#333}.panel{font-size:14px;font-weight:bold}.tick{font-size:11px;fill:#333}.axis{font-size:12px;fill:#111}.note{font-size:11px;fill:#222}.legend-text{font-size:11.5px}</style>
<rect width="${W}" height="${height}" fill="#fafafa"/>
${text(20, 30, r.title, 'class="title"')}
${text(20, 52, sub, 'class="sub"')}
${rocPanel(r)}
${histogramPanel(r)}
${familyPanel(r, famTop)}
<desc>${esc(`edgeward eval report: ${sub}`)}</desc>
</svg>
`
}

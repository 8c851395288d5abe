// Small SVG building blocks for the eval report: escaping, text, lines, axes with ticks and
// labels, a legend. Take plain numbers and strings; return SVG markup strings. Pure.

export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

const f = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(1))

export function text(x: number, y: number, s: string, attrs = ''): string {
  return `<text x="${f(x)}" y="${f(y)}" ${attrs}>${esc(s)}</text>`
}

export function line(x1: number, y1: number, x2: number, y2: number, attrs = ''): string {
  return `<line x1="${f(x1)}" y1="${f(y1)}" x2="${f(x2)}" y2="${f(y2)}" ${attrs}/>`
}

export function polyline(points: ReadonlyArray<readonly [number, number]>, attrs: string): string {
  return `<polyline fill="none" points="${points.map(([x, y]) => `${f(x)},${f(y)}`).join(' ')}" ${attrs}/>`
}

/** A plot frame: the pixel box and the mapping from data to pixels. */
export interface Frame {
  readonly x: number
  readonly y: number
  readonly w: number
  readonly h: number
  px(v: number): number
  py(v: number): number
}

export function frame(x: number, y: number, w: number, h: number, sx: (v: number) => number, sy: (v: number) => number): Frame {
  return { x, y, w, h, px: (v) => x + sx(v) * w, py: (v) => y + h - sy(v) * h }
}

export interface Tick {
  readonly value: number
  readonly label: string
}

/** Both axes: frame, grid lines at the ticks, tick labels, axis titles. */
export function axes(fr: Frame, xTicks: readonly Tick[], yTicks: readonly Tick[], xTitle: string, yTitle: string): string {
  const out: string[] = [`<rect x="${fr.x}" y="${fr.y}" width="${fr.w}" height="${fr.h}" fill="#fff" stroke="#444"/>`]
  for (const t of xTicks) {
    const x = fr.px(t.value)
    out.push(line(x, fr.y, x, fr.y + fr.h, 'stroke="#e3e3e3"'), line(x, fr.y + fr.h, x, fr.y + fr.h + 5, 'stroke="#444"'))
    out.push(text(x, fr.y + fr.h + 19, t.label, 'class="tick" text-anchor="middle"'))
  }
  for (const t of yTicks) {
    const y = fr.py(t.value)
    out.push(line(fr.x, y, fr.x + fr.w, y, 'stroke="#e3e3e3"'), line(fr.x - 5, y, fr.x, y, 'stroke="#444"'))
    out.push(text(fr.x - 8, y + 4, t.label, 'class="tick" text-anchor="end"'))
  }
  out.push(`<rect x="${fr.x}" y="${fr.y}" width="${fr.w}" height="${fr.h}" fill="none" stroke="#444"/>`)
  out.push(text(fr.x + fr.w / 2, fr.y + fr.h + 40, xTitle, 'class="axis" text-anchor="middle"'))
  out.push(text(fr.x - 52, fr.y + fr.h / 2, yTitle, `class="axis" text-anchor="middle" transform="rotate(-90 ${f(fr.x - 52)} ${f(fr.y + fr.h / 2)})"`))
  return out.join('\n')
}

export interface LegendItem {
  readonly label: string
  readonly color: string
  readonly dash?: boolean
  readonly box?: boolean
  /** A marker dot instead of a line. */
  readonly dot?: string
}

export function legendSize(items: readonly LegendItem[]): { w: number; h: number } {
  return { w: 12 + Math.max(...items.map((i) => i.label.length)) * 6.3 + 34, h: items.length * 18 + 8 }
}

export function legend(x: number, y: number, items: readonly LegendItem[]): string {
  const { w, h } = legendSize(items)
  const out = [`<g class="legend"><rect x="${f(x)}" y="${f(y)}" width="${f(w)}" height="${h}" fill="#fff" fill-opacity="0.92" stroke="#999"/>`]
  items.forEach((it, i) => {
    const cy = y + 15 + i * 18
    out.push(it.dot !== undefined
      ? `<circle cx="${f(x + 19)}" cy="${f(cy - 1)}" r="4.5" fill="#fff" stroke="${it.dot}" stroke-width="2"/>`
      : it.box
      ? `<rect x="${f(x + 8)}" y="${f(cy - 6)}" width="22" height="10" fill="${it.color}" fill-opacity="0.5" stroke="${it.color}"/>`
      : line(x + 8, cy - 1, x + 30, cy - 1, `stroke="${it.color}" stroke-width="2.5"${it.dash ? ' stroke-dasharray="5 3"' : ''}`))
    out.push(text(x + 36, cy + 3, it.label, 'class="legend-text"'))
  })
  out.push('</g>')
  return out.join('\n')
}

export const pctLabel = (v: number): string => {
  const p = v * 100
  return `${p >= 1 ? p.toFixed(0) : p >= 0.1 ? p.toFixed(1) : p.toFixed(2)}%`
}

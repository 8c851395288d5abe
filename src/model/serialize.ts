// serializeModel: a ModelFile → its on-disk JSON text, one key per line and each node array on one
// line (diffable, compact). Pure; does not validate — writers validate before they serialize.

import type { ModelFile } from './format'

export function serializeModel(file: ModelFile): string {
  const lines: string[] = []
  const entries = Object.entries(file) as Array<[string, unknown]>
  for (const [key, value] of entries) {
    if (key === 'trees') {
      const inner = Object.entries(value as Record<string, unknown>).map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`)
      lines.push(`  "trees": {\n${inner.join(',\n')}\n  }`)
    } else if (key === 'metadata') {
      lines.push(`  "metadata": ${JSON.stringify(value, null, 2).replace(/\n/g, '\n  ')}`)
    } else {
      lines.push(`  ${JSON.stringify(key)}: ${JSON.stringify(value)}`)
    }
  }
  return `{\n${lines.join(',\n')}\n}\n`
}

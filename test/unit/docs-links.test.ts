// The repository's own pages (README, docs/, test/README.md, models/) link only what a reader of the
// repository can open, and name no tracker issue (the issues live outside it: a page says what
// happened, not "issue 12").
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '../..')
const PAGES = [
  'README.md',
  'test/README.md',
  'models/README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
  ...readdirSync(join(ROOT, 'models'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(ROOT, 'models', d.name, 'MODEL_CARD.md')))
    .map((d) => `models/${d.name}/MODEL_CARD.md`),
]

describe('the repository pages', () => {
  it.each(PAGES)('%s links only files in the repository', (page) => {
    const text = readFileSync(join(ROOT, page), 'utf8')
    const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? '').filter((t) => !/^(https?:|#|mailto:)/.test(t))
    for (const t of targets) {
      const file = join(ROOT, dirname(page), t.split('#')[0] ?? '')
      expect(file.startsWith(`${ROOT}/`) && existsSync(file), `${page} → ${t}`).toBe(true)
    }
    expect(text, page).not.toMatch(/shared\/DESIGN\.md/)
  })

  it.each(PAGES)('%s names no tracker issue', (page) => {
    const text = readFileSync(join(ROOT, page), 'utf8')
    const hits = [...text.matchAll(/\bissues? ?#?\d+\b|(?<![\w/-])#\d+\b/gi)].map((m) => m[0])
    expect(hits, page).toEqual([])
  })
})

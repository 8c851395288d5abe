// `npm run crawlers:data`: writes the committed crawler table (src/signals/data/crawler-categories.json)
// from the installed `crawler-user-agents` package — its pattern per crawler, grouped by our category
// (src/signals/crawlers/categories.ts). The package's own file carries example User-Agents and
// descriptions (540 KB); the Worker bundle needs only the patterns (~30 KB).
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { categoryOfEntry, CRAWLER_CATEGORIES, type CrawlerCategory } from '../signals/crawlers/categories'

export const CRAWLER_DATA_FILE = 'src/signals/data/crawler-categories.json'

interface Entry {
  readonly pattern: string
  readonly tags?: readonly string[]
}

export function crawlerTable(entries: readonly Entry[]): { patterns: Record<CrawlerCategory, string[]>; skipped: string[] } {
  const patterns = Object.fromEntries(CRAWLER_CATEGORIES.map((c) => [c, [] as string[]])) as Record<CrawlerCategory, string[]>
  const skipped: string[] = []
  for (const e of entries) {
    const category = categoryOfEntry(e.pattern, e.tags ?? [])
    if (category === null) continue
    try {
      new RegExp(e.pattern)
    } catch {
      skipped.push(e.pattern)
      continue
    }
    patterns[category].push(e.pattern)
  }
  return { patterns, skipped }
}

if (process.argv[1]?.endsWith('crawler-data.ts')) {
  const require = createRequire(import.meta.url)
  // The package's `main` is its JSON file (its exports map names nothing else).
  const file = require.resolve('crawler-user-agents')
  const version = (JSON.parse(readFileSync(join(dirname(file), 'package.json'), 'utf8')) as { version: string }).version
  const { patterns, skipped } = crawlerTable(JSON.parse(readFileSync(file, 'utf8')) as Entry[])
  writeFileSync(CRAWLER_DATA_FILE, `${JSON.stringify({ source: `crawler-user-agents@${version}`, generated_by: 'npm run crawlers:data', patterns }, null, 1)}\n`)
  console.log(JSON.stringify({ file: CRAWLER_DATA_FILE, source: `crawler-user-agents@${version}`, counts: Object.fromEntries(Object.entries(patterns).map(([k, v]) => [k, v.length])), skipped }))
}

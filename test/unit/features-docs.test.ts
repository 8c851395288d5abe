// docs/features.md is generated: the committed file must equal what `npm run docs:features` writes.
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { FEATURE_DOCS_PATH, renderFeatureDocs } from '../../src/cli/docs-features'
import { FEATURES, FEATURE_VERSION } from '../../src/features/list'

describe('docs/features.md', () => {
  it('equals the generator output (run `npm run docs:features` after changing list.ts)', async () => {
    expect(await readFile(FEATURE_DOCS_PATH, 'utf8')).toBe(renderFeatureDocs())
  })

  it('names the feature version and every feature', () => {
    const text = renderFeatureDocs()
    expect(text).toContain(`**${FEATURE_VERSION}**`)
    for (const f of FEATURES) expect(text).toContain(`\`${f.name}\``)
  })
})

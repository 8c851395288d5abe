// Vitest global setup for the worker project (Node side): starts the real local range server over
// the breach corpus (src/cli/leaked/corpus.ts) on a free port and hands its URLs to the tests inside
// workerd (`inject('leakedRangeUrl')`, test/support/leaked.ts). Stopped when the run ends.
import type { TestProject } from 'vitest/node'
import { loadDemoPairs, loadPasswordCorpus } from '../../../src/cli/leaked/corpus'
import { startRangeServer } from '../../../src/cli/leaked/server'

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const corpus = loadPasswordCorpus()
  const server = await startRangeServer({ passwords: corpus.passwords, pairs: loadDemoPairs() })
  project.provide('leakedRangeUrl', server.url)
  project.provide('leakedPairRangeUrl', server.pairUrl)
  project.provide('leakedCorpusSource', corpus.source)
  return () => server.close()
}

declare module 'vitest' {
  export interface ProvidedContext {
    leakedRangeUrl: string
    leakedPairRangeUrl: string
    leakedCorpusSource: string
  }
}

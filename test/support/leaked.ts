// The leaked-credential check's test plumbing inside workerd: the real local range server's URLs
// (started in Node by test/e2e/support/leakedRangeSetup.ts), and an echo reply that sends range
// requests to it over the network — the Worker's own fetch is the harness's spy, so the range
// server is reached through the fetch saved here, before any spy is installed.
import { inject } from 'vitest'
import { echoReply, type EchoReply, type Seen } from './worker'

const realFetch = globalThis.fetch.bind(globalThis)

declare module 'vitest' {
  export interface ProvidedContext {
    leakedRangeUrl: string
    leakedPairRangeUrl: string
    leakedCorpusSource: string
  }
}

export const RANGE_URL = inject('leakedRangeUrl')
export const PAIR_RANGE_URL = inject('leakedPairRangeUrl')
export const CORPUS_SOURCE = inject('leakedCorpusSource')

export const isRangeRequest = (s: Seen): boolean => s.url.startsWith(`${RANGE_URL}/`)

/** Range requests to the real range server; everything else to `origin` (default: the echo, 200). */
export function withRangeServer(origin: EchoReply = echoReply): EchoReply {
  return (seen) => (isRangeRequest(seen) ? realFetch(seen.url, { headers: seen.headers }) : origin(seen))
}

// Proof of work for the challenge: takes a challenge id, a candidate solution and a difficulty;
// returns whether SHA-256(challenge ‖ solution) starts with that many zero bits. Pure (Web
// Crypto only); no clock, no I/O. The browser page runs the same search (worker/challenge/).
import { err, ok, type Result } from '../util/result'

/** The difficulty range `challengeDifficulty(risk)` (src/policy/decide.ts) produces. */
export const POW_MIN_DIFFICULTY = 12
export const POW_MAX_DIFFICULTY = 20

/** A solution is a decimal counter without leading zeros, at most 15 digits. */
export const POW_SOLUTION_PATTERN = /^(0|[1-9][0-9]{0,14})$/

export const POW_PROBLEMS = ['malformed', 'insufficient'] as const
export type PowProblem = (typeof POW_PROBLEMS)[number]

export const isPowDifficulty = (d: unknown): d is number =>
  typeof d === 'number' && Number.isInteger(d) && d >= POW_MIN_DIFFICULTY && d <= POW_MAX_DIFFICULTY

/** A difficulty from untrusted text (the `d` query parameter); anything else → the hardest. */
export function parseDifficulty(text: string | null | undefined): number {
  if (typeof text !== 'string' || !/^[0-9]{1,2}$/.test(text)) return POW_MAX_DIFFICULTY
  const d = Number(text)
  return isPowDifficulty(d) ? d : POW_MAX_DIFFICULTY
}

/** Number of leading zero bits of a digest. */
export function leadingZeroBits(bytes: Uint8Array): number {
  let bits = 0
  for (const b of bytes) {
    if (b === 0) {
      bits += 8
      continue
    }
    return bits + Math.clz32(b) - 24
  }
  return bits
}

const encoder = new TextEncoder()

/** SHA-256 of the UTF-8 text `challenge + solution` (the challenge id has a fixed length). */
export async function powDigest(challenge: string, solution: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(challenge + solution)))
}

export async function checkPow(challenge: string, solution: string, difficulty: number): Promise<Result<true, PowProblem>> {
  if (!POW_SOLUTION_PATTERN.test(solution)) return err('malformed')
  if (!isPowDifficulty(difficulty)) throw new TypeError(`difficulty out of range: ${difficulty}`)
  const digest = await powDigest(challenge, solution)
  return leadingZeroBits(digest) >= difficulty ? ok(true) : err('insufficient')
}

/**
 * The search the page runs, for tests and tools: the first counter from `start` whose digest
 * has `difficulty` leading zero bits, or null after `limit` tries. Batches digests like the page.
 */
export async function solvePow(challenge: string, difficulty: number, opts: { start?: number; limit?: number } = {}): Promise<string | null> {
  const start = opts.start ?? 0
  const end = start + (opts.limit ?? 2 ** 26)
  const BATCH = 256
  for (let n = start; n < end; n += BATCH) {
    const count = Math.min(BATCH, end - n)
    const digests = await Promise.all(Array.from({ length: count }, (_, i) => powDigest(challenge, String(n + i))))
    const hit = digests.findIndex((d) => leadingZeroBits(d) >= difficulty)
    if (hit >= 0) return String(n + hit)
  }
  return null
}

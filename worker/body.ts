// Bodies: peekBody takes a stream and returns a stream for the origin with every byte
// unchanged plus the first `cap` bytes (login usernames); readHead reads the first bytes of a
// tee branch (also outcome markers in responses); readCappedBody reads a whole
// body or answers 'too_large' as soon as the cap is passed (Content-Length is not trusted).

export interface PeekedBody {
  readonly forOrigin: ReadableStream<Uint8Array> | null
  readonly head: Uint8Array
  /** The body went on past `cap` (only the head was read; the origin still gets every byte). */
  readonly truncated: boolean
  /** False when the body failed before its end or the cap: the head is what arrived. */
  readonly complete: boolean
}

export async function peekBody(body: ReadableStream<Uint8Array> | null, cap: number): Promise<PeekedBody> {
  if (body === null) return { forOrigin: null, head: new Uint8Array(0), truncated: false, complete: true }
  const [forOrigin, forPeek] = body.tee()
  const { head, truncated, complete } = await readHead(forPeek, cap)
  return { forOrigin, head, truncated, complete }
}

/**
 * The first `cap` bytes of a stream and whether more followed, then cancels it — fewer bytes if
 * it ends, fails, or is still going after `budgetMs`. `complete`: the head is all there is to see
 * (the stream ended or passed the cap), not cut short by a failure or the budget. Meant for one branch of a tee: cancelling
 * it never stops the other branch, and the tee buffers at most about `cap` bytes meanwhile.
 */
export async function readHead(
  stream: ReadableStream<Uint8Array>,
  cap: number,
  budgetMs?: number,
): Promise<{ head: Uint8Array; truncated: boolean; complete: boolean }> {
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  let truncated = false
  let complete = false
  let timedOut = false // a cancel by the timer ends the read with `done` too
  const timer = budgetMs === undefined ? undefined : setTimeout(() => {
    timedOut = true
    reader.cancel().catch(() => {})
  }, budgetMs)
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) {
        complete = !timedOut
        break
      }
      chunks.push(value)
      size += value.byteLength
      if (size > cap) {
        truncated = complete = true
        break
      }
    }
  } catch {
    // The body failed: judge by what arrived (the other branch sees the same failure).
  } finally {
    if (timer !== undefined) clearTimeout(timer)
    reader.cancel().catch(() => {})
  }
  return { head: joinChunks(chunks, Math.min(size, cap)), truncated, complete }
}

/** The whole body, or 'too_large' as soon as it passes `cap` (the stream is then cancelled). */
export async function readCappedBody(
  body: ReadableStream<Uint8Array> | null,
  cap: number,
): Promise<Uint8Array | 'too_large'> {
  if (body === null) return new Uint8Array(0)
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > cap) {
        reader.cancel().catch(() => {})
        return 'too_large'
      }
      chunks.push(value)
    }
  } finally {
    reader.releaseLock()
  }
  return joinChunks(chunks, size)
}

/** The first `length` bytes of `chunks`, as one array. */
function joinChunks(chunks: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length)
  let offset = 0
  for (const c of chunks) {
    const take = Math.min(c.byteLength, length - offset)
    if (take <= 0) break
    out.set(c.subarray(0, take), offset)
    offset += take
  }
  return out
}

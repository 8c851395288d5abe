// Login-body peek: takes a request body stream, returns a stream for the origin that
// carries every byte unchanged, plus the first `cap` bytes for username extraction.
// Must not buffer more than the cap (plus one chunk) before the origin reads.

export interface PeekedBody {
  readonly forOrigin: ReadableStream<Uint8Array> | null
  readonly head: Uint8Array
  readonly truncated: boolean
}

export async function peekBody(body: ReadableStream<Uint8Array> | null, cap: number): Promise<PeekedBody> {
  if (body === null) return { forOrigin: null, head: new Uint8Array(0), truncated: false }
  const [forOrigin, forPeek] = body.tee()
  const reader = forPeek.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  let truncated = false
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      size += value.byteLength
      if (size > cap) {
        truncated = true
        break
      }
    }
  } finally {
    // Stop pulling for the peek branch; the origin branch keeps streaming.
    reader.cancel().catch(() => {})
  }
  const head = new Uint8Array(Math.min(size, cap))
  let offset = 0
  for (const c of chunks) {
    const take = Math.min(c.byteLength, head.byteLength - offset)
    if (take <= 0) break
    head.set(c.subarray(0, take), offset)
    offset += take
  }
  return { forOrigin, head, truncated }
}

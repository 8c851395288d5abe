// Request bodies: peekBody takes a stream and returns a stream for the origin with every
// byte unchanged plus the first `cap` bytes (login usernames); readCappedBody reads a whole
// body or answers 'too_large' as soon as the cap is passed (Content-Length is not trusted).

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
  const out = new Uint8Array(size)
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.byteLength
  }
  return out
}

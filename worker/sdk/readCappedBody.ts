// Capped body reader: takes a request body stream and a byte cap, returns the bytes or
// 'too_large' as soon as the cap is passed (the stream is cancelled; Content-Length is not trusted).

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

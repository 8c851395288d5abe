// quietOfflineWarnings: a line filter for wrangler dev's stderr under `npm start`. Takes the
// raw stream, passes every line on except the expected offline `request.cf` fetch warning and
// its stack trace (start.ts says that once, in words). Never drops any other line.
import { Transform, type TransformCallback } from 'node:stream'

const CF_WARNING = /Unable to fetch the `Request\.cf` object/
const OFFLINE_ERROR = /^\s*(?:\x1b\[[0-9;]*m)*(?:Error|TypeError): (?:getaddrinfo|fetch failed|connect|request to)/
const STACK_LINE = /^\s*(?:\x1b\[[0-9;]*m)*at /

export function quietOfflineWarnings(): Transform {
  let pending = ''
  let skipping = false
  const keep = (line: string): boolean => {
    if (CF_WARNING.test(line)) {
      skipping = true
      return false
    }
    if (skipping && (OFFLINE_ERROR.test(line) || STACK_LINE.test(line) || /^\s*\[cause\]/.test(line))) return false
    skipping = false
    return true
  }
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      pending += chunk.toString('utf8')
      const lines = pending.split('\n')
      pending = lines.pop() ?? ''
      const out = lines.filter(keep)
      done(null, out.length > 0 ? out.map((l) => `${l}\n`).join('') : undefined)
    },
    flush(done: TransformCallback) {
      done(null, pending !== '' && keep(pending) ? pending : undefined)
    },
  })
}

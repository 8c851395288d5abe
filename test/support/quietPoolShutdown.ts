// Imported by vitest.config.ts (the main vitest process, where the workers pool runs). Since the
// pool became @cloudflare/vitest-plugin (1.5.1 here) its own log filter drops this line too, so this
// is a guard against a regression, not a fix. When a
// test file ends, @cloudflare/vitest-pool-workers 0.15.1 closed its WebSocket to the runner and
// disposes the runtime without waiting for the close handshake (CloudflarePool.stop()), and
// workerd logs `disconnected: WebSocket peer disconnected` — for passing tests too, even a file
// with one empty test. The pool's handleStructuredLogs already drops its sibling messages
// ("WebSocket was aborted", "operation canceled") and writes the rest to stdout/stderr; this
// drops that one exact line and nothing else.
const POOL_SHUTDOWN = /^exception = workerd\/api\/web-socket\.c\+\+:\d+: disconnected: WebSocket peer disconnected\n?$/

for (const stream of [process.stdout, process.stderr]) {
  type Write = typeof stream.write
  const original = stream.write.bind(stream) as (...args: unknown[]) => boolean
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (typeof chunk === 'string' && POOL_SHUTDOWN.test(chunk)) return true
    return original(chunk, ...rest)
  }) as Write
}

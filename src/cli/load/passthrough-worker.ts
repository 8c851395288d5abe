// The load test's yardstick: a Worker that only forwards each request to ORIGIN_URL (raw path, method,
// headers, streamed body, redirects returned) and returns the answer untouched. No state, no logging.

interface PassEnv {
  readonly ORIGIN_URL: string
}

export default {
  async fetch(request: Request, env: PassEnv): Promise<Response> {
    const url = new URL(request.url)
    const base = new URL(env.ORIGIN_URL)
    const headers = new Headers(request.headers)
    headers.delete('host')
    return fetch(`${base.origin}${url.pathname}${url.search}`, { method: request.method, headers, body: request.body, redirect: 'manual' })
  },
}

// Configured outcome markers inside workerd: an origin that answers a failed login with 200 (or a
// redirect) and says so in its body or a header. The failure is counted on device, IP and username
// after the response; without the marker it is a success; the client gets every byte, streamed.
import { afterEach, describe, expect, it } from 'vitest'
import { peekCounters, deviceCookie } from '../support/journey'
import { callWorker, clearConfig, writeConfig, type Call, type EchoReply } from '../support/worker'
import { SDK_TAG } from '../../worker/sdk/inject'

afterEach(clearConfig)

const MARKER = 'Invalid username or password'
const CAP = 4096
let n = 0
/** A client address, device and username no other test uses. */
async function freshClient() {
  n += 1
  const ip = `198.18.200.${n}`
  return { ip, user: `marker-${n}@example.com`, ...(await deviceCookie(ip)) }
}

async function markerConfig(): Promise<void> {
  await writeConfig({
    version: 'outcome-markers',
    // The model and rules out of the way: this is about counting what the origin said.
    thresholds: { default: { challenge: 1, block: 1 }, login: { challenge: 1, block: 1 } },
    rules: [],
    counters: { budget_ms: 1000 }, // reads counters back; the 25 ms budget is tested in fail-open.test.ts
    outcomes: {
      max_body_bytes: CAP,
      login: { failure_body: MARKER, failure_header: { name: 'x-login-result', value: 'failed' } },
    },
  })
}

type Client = Awaited<ReturnType<typeof freshClient>>
const login = (c: Client, reply: EchoReply): Promise<Call> =>
  callWorker(
    '/login',
    { method: 'POST', body: `username=${encodeURIComponent(c.user)}&password=nope`, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: c.cookie } },
    { clientIp: c.ip, reply },
  )

/** Login successes and failures (10 min) on the device, the IP and the username of a logged request. */
async function outcomesOn(c: Client, line: Record<string, unknown> | undefined) {
  expect(line?.device).toBe(c.device)
  const user = String(line?.user)
  const keys = [['device', c.device], ['ip', c.ip], ['user', user]] as const
  const snaps = await Promise.all(keys.map(([kind, value]) => peekCounters(kind, value)))
  return snaps.map((s) => ({ failures: s.counts.login_failures['10m'], successes: s.counts.login_successes['10m'] }))
}

/** The same counts on the device, the IP and the username. */
const onEveryKey = (failures: number, successes: number) => Array.from({ length: 3 }, () => ({ failures, successes }))

/** An origin body sent in chunks, like a real streamed page. */
function streamed(parts: readonly Uint8Array[], headers: Record<string, string>, status = 200): Response {
  let i = 0
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const part = parts[i++]
      if (part === undefined) controller.close()
      else controller.enqueue(part)
    },
  })
  return new Response(body, { status, headers })
}

const enc = new TextEncoder()
const concat = (parts: readonly Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0))
  let o = 0
  for (const p of parts) (out.set(p, o), (o += p.byteLength))
  return out
}
/** ~300 KB of filler (far past the cap) around the given text. */
function bigBody(text: string, at: 'start' | 'end'): Uint8Array[] {
  const filler = Array.from({ length: 75 }, (_, k) => enc.encode(`<!-- ${String(k).padStart(4, '0')} ${'x'.repeat(4000)} -->\n`))
  const marker = enc.encode(`<p class="error">${text}</p>\n`)
  return at === 'start' ? [enc.encode('{"page":"'), marker, ...filler] : [...filler, marker]
}

describe('a configured failure marker', () => {
  it('counts a 200 whose body carries the marker as a failed login on device, IP and username; the client gets every byte', async () => {
    await markerConfig()
    const c = await freshClient()
    const parts = bigBody(MARKER, 'start')
    const call = await login(c, () => streamed(parts, { 'content-type': 'application/octet-stream', 'set-cookie': 'flash=1' }))
    expect(call.response.status).toBe(200)
    expect(call.logs[0]).toMatchObject({ action: 'allow', origin_status: 200 })
    expect(new Uint8Array(await call.response.arrayBuffer())).toEqual(concat(parts))
    expect(call.response.headers.get('set-cookie')).toBe('flash=1')
    expect(await outcomesOn(c, call.logs[0])).toEqual(onEveryKey(1, 0))
    // …and the next request of that client is decided with it.
    const next = await login(c, () => new Response('ok'))
    expect(next.logs[0]?.features).toMatchObject({ device_failed_logins_10m: 1, ip_failed_logins_10m: 1, user_failed_logins_1h: 1 })
  })

  it('counts the same 200 without the marker as a successful login', async () => {
    await markerConfig()
    const c = await freshClient()
    const parts = bigBody('Welcome back', 'start')
    const call = await login(c, () => streamed(parts, { 'content-type': 'application/octet-stream' }))
    expect(new Uint8Array(await call.response.arrayBuffer())).toEqual(concat(parts))
    expect(await outcomesOn(c, call.logs[0])).toEqual(onEveryKey(0, 1))
  })

  it('reads only the first max_body_bytes: a marker past them is not seen, and the client still gets it', async () => {
    await markerConfig()
    const c = await freshClient()
    const parts = bigBody(MARKER, 'end')
    const call = await login(c, () => streamed(parts, { 'content-type': 'application/octet-stream' }))
    const got = new Uint8Array(await call.response.arrayBuffer())
    expect(got).toEqual(concat(parts))
    expect(new TextDecoder().decode(got.subarray(got.byteLength - 200))).toContain(MARKER)
    expect((await outcomesOn(c, call.logs[0]))[0]).toEqual({ failures: 0, successes: 1 })
  })

  it('judges an HTML error page and still injects the SDK into what the client gets', async () => {
    await markerConfig()
    const c = await freshClient()
    const page = `<!doctype html><html><head><title>Sign in</title></head><body><p>${MARKER}</p></body></html>`
    const call = await login(c, () => new Response(page, { headers: { 'content-type': 'text/html; charset=utf-8' } }))
    // A proven device's page gets the plain tag (its collect carries its proof, docs/identity.md); the rest is byte for byte.
    const got = await call.response.text()
    expect(got).toBe(page.replace('</head>', `${SDK_TAG}</head>`))
    expect((await outcomesOn(c, call.logs[0]))[0]).toEqual({ failures: 1, successes: 0 })
  })

  it.each([
    ['a redirect back to the form with the marker header', 302, { location: '/login?e=1', 'x-login-result': 'Failed: bad password' }, { failures: 1, successes: 0 }],
    ['a redirect into the account without it', 302, { location: '/account', 'x-login-result': 'ok' }, { failures: 0, successes: 1 }],
    ['a 401, marker or not', 401, {}, { failures: 1, successes: 0 }],
  ] as const)('counts %s by the header marker', async (_what, status, headers, expected) => {
    await markerConfig()
    const c = await freshClient()
    const call = await login(c, () => new Response(null, { status, headers }))
    expect(call.response.status).toBe(status)
    expect(call.response.headers.get('location')).toBe((headers as Record<string, string>).location ?? null)
    for (const counted of await outcomesOn(c, call.logs[0])) expect(counted).toEqual(expected)
  })

  it('counts a 200 as a success when no marker is configured (the bundled default: status codes only)', async () => {
    await writeConfig({ version: 'no-markers', thresholds: { default: { challenge: 1, block: 1 }, login: { challenge: 1, block: 1 } }, rules: [] })
    const c = await freshClient()
    const call = await login(c, () => new Response(`<p>${MARKER}</p>`, { headers: { 'content-type': 'application/json', 'x-login-result': 'failed' } }))
    expect(await call.response.text()).toBe(`<p>${MARKER}</p>`)
    expect((await outcomesOn(c, call.logs[0]))[1]).toEqual({ failures: 0, successes: 1 })
  })

  it('counts nothing when the body fails before the marker could be seen (not a success)', async () => {
    await markerConfig()
    const c = await freshClient()
    let sent = 0
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ === 0) controller.enqueue(enc.encode('<html><body>working…'))
        else controller.error(new Error('origin reset'))
      },
    })
    const call = await login(c, () => new Response(failing, { status: 200, headers: { 'content-type': 'text/plain' } }))
    await call.response.arrayBuffer().catch(() => null) // the client sees the same failure
    expect(await outcomesOn(c, call.logs[0])).toEqual(onEveryKey(0, 0))
  })

  it('streams the answer to the client: the origin sends its end only after the client has read its start', async () => {
    await markerConfig()
    const c = await freshClient()
    const start = enc.encode(`<p>${MARKER}</p>` + 'x'.repeat(CAP * 2)) // marker seen, the head read past the cap
    const end = enc.encode('<p>the end</p>')
    let clientHasStart!: () => void
    const gate = new Promise<void>((r) => (clientHasStart = r))
    let part = 0
    const held = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (part++ === 0) return controller.enqueue(start)
        await gate // a Worker that buffered the whole answer would wait here forever
        controller.enqueue(end)
        controller.close()
      },
    })
    const call = await login(c, () => new Response(held, { status: 200, headers: { 'content-type': 'text/plain' } }))
    const reader = call.response.body!.getReader()
    const chunks: Uint8Array[] = []
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      clientHasStart()
    }
    expect(concat(chunks)).toEqual(concat([start, end]))
    expect((await outcomesOn(c, call.logs[0]))[0]).toEqual({ failures: 1, successes: 0 })
  })
})

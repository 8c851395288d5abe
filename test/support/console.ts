// A signed-in console session for worker tests: the admin token posted to the sign-in form from the
// console's own origin, and the CSRF token the session's forms carry; GET and form POST helpers.
import { expect } from 'vitest'
import { csrfToken, SESSION_COOKIE } from '../../worker/console/session'
import { callWorker } from './worker'

export const TOKEN = 'test-admin-token'
/** The admin token and server secret the test bindings configure (vitest config). */
export const SECRETS = { token: TOKEN, server: 'test-user-hash-key' }
export const SITE = 'https://console.edge.test'
export const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36'
export const C = '/__edgeward/console'
/** What a form post from the console's own page sends. */
export const OWN = { origin: SITE, 'sec-fetch-site': 'same-origin', 'user-agent': UA }

export async function signIn(): Promise<{ cookie: string; csrf: string }> {
  const { response } = await callWorker(`${SITE}${C}/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...OWN },
    body: `token=${encodeURIComponent(TOKEN)}`,
  })
  expect(response.status).toBe(303)
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0]!
  const jwt = cookie.slice(SESSION_COOKIE.length + 1)
  const sid = JSON.parse(atob(jwt.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { sid: string }
  return { cookie, csrf: await csrfToken(SECRETS, sid.sid) }
}

export const get = (path: string, cookie?: string) => callWorker(`${SITE}${path}`, { headers: { 'user-agent': UA, ...(cookie === undefined ? {} : { cookie }) } })

export function post(path: string, form: Record<string, string>, cookie?: string, extra: Record<string, string> = {}) {
  return callWorker(`${SITE}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...OWN, ...(cookie === undefined ? {} : { cookie }), ...extra },
    body: new URLSearchParams(form).toString(),
  })
}

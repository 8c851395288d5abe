// `npm run unblock -- <ip|device|user> <value> [<ip>]`: lifts a deny entry through the running
// server's admin API and makes its counters forget what listed it, so the next request is judged
// afresh (POST /__edgeward/admin/unblock). `user` takes the username hash from the log line and
// the IP. Server: EDGEWARD_URL, else http://127.0.0.1:$PORT (8787); token: EDGEWARD_ADMIN_TOKEN,
// else npm start's dev default.
export {}

const USAGE = `usage: npm run unblock -- ip <address> | device <id> | user <user hash from the log> <ip>
  server: EDGEWARD_URL (default http://127.0.0.1:\${PORT:-8787}); token: EDGEWARD_ADMIN_TOKEN (default dev-admin-token)`

const [kind, value, ip] = process.argv.slice(2)
const body =
  kind === 'ip' && value !== undefined
    ? { kind: 'ip', value }
    : kind === 'device' && value !== undefined
      ? { kind: 'device', value }
      : (kind === 'user' || kind === 'user_ip') && value !== undefined && ip !== undefined
        ? { kind: 'user_ip', value: { user: value, ip } }
        : null
if (body === null) {
  console.error(USAGE)
  process.exit(2)
}

const base = process.env.EDGEWARD_URL ?? `http://127.0.0.1:${process.env.PORT ?? '8787'}`
const token = process.env.EDGEWARD_ADMIN_TOKEN ?? 'dev-admin-token'
let response: Response
try {
  response = await fetch(new URL('/__edgeward/admin/unblock', base), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  })
} catch {
  console.error(`unblock: no answer from ${base} (is npm start running? set EDGEWARD_URL or PORT)`)
  process.exit(1)
}
const text = await response.text()
if (!response.ok) {
  console.error(`unblock: ${response.status} ${text.trim()}${response.status === 401 ? ' (set EDGEWARD_ADMIN_TOKEN)' : ''}`)
  process.exit(1)
}
const r = JSON.parse(text) as { lifted: boolean; forgot: string[] }
const what = kind === 'ip' || kind === 'device' ? `${kind} ${value}` : `user ${value} from ${ip}`
console.log(`unblock: ${what}: ${r.lifted ? 'deny entry lifted' : 'no deny entry was listed'}; counts forgotten (${r.forgot.join(', ')}) — its next request is judged afresh`)

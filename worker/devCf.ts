// Dev-only: takes request.cf and env, returns request.cf without the placeholder values
// that `wrangler dev` invents when it cannot fetch a real cf object (offline, or always in
// `npm start`, which turns the fetch off). Those are not facts about the client — an Austin
// timezone, a fixed JA3 and AS395747 for everyone — so in local dev they read as missing.
// Outside local dev (EDGEWARD_TRUST_TEST_HEADERS unset) cf is returned untouched.

/**
 * Miniflare's fallback `request.cf` (`fallbackCf` in dist/src/index.js; unchanged from miniflare 4.20260426 to 5.20261117).
 * A field whose value equals its placeholder here is dropped; botManagement is judged by its JA3.
 */
export const WRANGLER_PLACEHOLDER_CF: Readonly<Record<string, string | number>> = {
  asOrganization: '',
  asn: 395747,
  colo: 'DFW',
  city: 'Austin',
  region: 'Texas',
  regionCode: 'TX',
  metroCode: '635',
  postalCode: '78701',
  country: 'US',
  continent: 'NA',
  timezone: 'America/Chicago',
  latitude: '30.27130',
  longitude: '-97.74260',
  clientTcpRtt: 0,
  httpProtocol: 'HTTP/1.1',
  requestPriority: 'weight=192;exclusive=0',
  tlsCipher: 'AEAD-AES128-GCM-SHA256',
  tlsVersion: 'TLSv1.3',
  clientTrustScore: 99,
  edgeRequestKeepAliveStatus: 0,
}
export const WRANGLER_PLACEHOLDER_JA3 = '25b4882c2bcb50cd6b469ff28c596742'

/** True when cf carries wrangler's placeholder (its fixed location and JA3 together). */
export function isWranglerPlaceholder(cf: Readonly<Record<string, unknown>>): boolean {
  const bm = cf.botManagement as Record<string, unknown> | undefined
  return cf.colo === 'DFW' && cf.postalCode === '78701' && cf.asn === 395747 && bm?.ja3Hash === WRANGLER_PLACEHOLDER_JA3
}

export function withoutDevPlaceholder(cf: Readonly<Record<string, unknown>>, env: { EDGEWARD_TRUST_TEST_HEADERS?: string }): Record<string, unknown> {
  if (env.EDGEWARD_TRUST_TEST_HEADERS !== 'true' || !isWranglerPlaceholder(cf)) return { ...cf }
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(cf)) {
    if (key === 'botManagement' || key === 'tlsClientAuth') continue
    if (Object.hasOwn(WRANGLER_PLACEHOLDER_CF, key) && WRANGLER_PLACEHOLDER_CF[key] === value) continue
    out[key] = value
  }
  return out
}

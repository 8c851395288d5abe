// An account's own places: where its sign-ins have been let in over the last 30 days (networks,
// countries, devices, days). Takes the request's place; returns how familiar it is. Pure types and
// helpers; the username's object stores them (worker/counters/history.ts). A human fraudster with a
// working password passes every bot check, but signs in from a device and a network the account's
// owner never used: the origin can then ask for a second factor (`review`).

/** How long a place is remembered after its last accepted sign-in. */
export const HISTORY_MS = 30 * 86_400_000

/** At most this many places of each kind per account (the least recently used go first). */
export const HISTORY_MAX_PER_KIND = 16

export const PLACE_KINDS = ['asn', 'country', 'device', 'day'] as const
export type PlaceKind = (typeof PLACE_KINDS)[number]

/** Where one sign-in comes from. A null network or country is unknown (no `request.cf`): never "new"; a null device is none. */
export interface AccountPlace {
  readonly asn: number | null
  readonly country: string | null
  readonly device: string | null
}

/**
 * How familiar a sign-in's place is to its account. `signinDays`: days in the last 30 with an accepted
 * sign-in (0: nothing remembered — a new account, or one not seen since the deployment). `knownNetwork`
 * and `knownCountry` are null when the request does not say (then no rule can call them new);
 * `knownDevice` is false for a sign-in without a device cookie.
 */
export interface HistoryView {
  readonly signinDays: number
  readonly knownNetwork: boolean | null
  readonly knownCountry: boolean | null
  readonly knownDevice: boolean | null
}

const MAX_DEVICE_CHARS = 128

/** The stored members of a place, kind by kind (the day is the UTC day of `at`). */
export function placeMembers(place: AccountPlace, at: number): { kind: PlaceKind; member: string }[] {
  const out: { kind: PlaceKind; member: string }[] = [{ kind: 'day', member: String(Math.floor(at / 86_400_000)) }]
  if (place.asn !== null) out.push({ kind: 'asn', member: String(place.asn) })
  if (place.country !== null) out.push({ kind: 'country', member: place.country })
  if (place.device !== null) out.push({ kind: 'device', member: place.device })
  return out
}

/** A place from untrusted input (RPC, the admin import), or null when it is not one. */
export function checkedPlace(v: unknown): AccountPlace | null {
  if (typeof v !== 'object' || v === null) return null
  const { asn, country, device } = v as Record<string, unknown>
  const okAsn = asn === null || asn === undefined || (Number.isSafeInteger(asn) && (asn as number) >= 0 && (asn as number) <= 4_294_967_295)
  const okCountry = country === null || country === undefined || (typeof country === 'string' && /^[A-Z]{2}$/.test(country))
  const okDevice = device === null || device === undefined || (typeof device === 'string' && device.length > 0 && device.length <= MAX_DEVICE_CHARS)
  if (!okAsn || !okCountry || !okDevice) return null
  return { asn: (asn as number | undefined) ?? null, country: (country as string | undefined) ?? null, device: (device as string | undefined) ?? null }
}

/** The place of a sign-in from the request's facts: an unusable value is unknown, not new. */
export function placeOf(asn: number | null, country: unknown, device: string | null): AccountPlace {
  const cc = typeof country === 'string' && /^[A-Za-z]{2}$/.test(country) && country.toUpperCase() !== 'XX' && country.toUpperCase() !== 'T1' ? country.toUpperCase() : null
  return { asn: asn !== null && Number.isSafeInteger(asn) && asn > 0 ? asn : null, country: cc, device: device !== null && device.length <= MAX_DEVICE_CHARS ? device : null }
}

/**
 * What a sign-in's account history says, for the origin (`x-edgeward-user-risk`): a Structured Field
 * dictionary (RFC 8941) — `days=4, network=?0, country=?1, device=?0, failed-ips=2` — with only what
 * is known; null when nothing is (no username, or its key did not answer).
 */
export function userRiskHeader(v: {
  readonly signinDays: number | null
  readonly knownNetwork: boolean | null
  readonly knownCountry: boolean | null
  readonly knownDevice: boolean | null
  readonly failedIps1h: number | null
}): string | null {
  const parts: string[] = []
  const int = (k: string, n: number | null) => n !== null && Number.isSafeInteger(n) && n >= 0 && parts.push(`${k}=${n}`)
  const bool = (k: string, b: boolean | null) => b !== null && parts.push(`${k}=?${b ? 1 : 0}`)
  int('days', v.signinDays)
  bool('network', v.knownNetwork)
  bool('country', v.knownCountry)
  bool('device', v.knownDevice)
  int('failed-ips', v.failedIps1h)
  return parts.length === 0 ? null : parts.join(', ')
}

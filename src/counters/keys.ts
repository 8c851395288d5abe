// Names of the Durable Objects that hold journey counters, deny entries and zone figures.
// Takes typed parts, returns canonical JSON tuples (never concatenated strings); no I/O.

/**
 * `asn`: the network a request comes from; only device mints are counted there (see countMint).
 * `cohort`: one key per site for a kind of request whose clients carry no identity of their own —
 * cookie-less browsers' sign-ins and checkouts (`cookielessCohort`): how many of the site's such
 * sign-ins are refused, and such checkouts declined; new browsers' sign-ins to accounts with no past
 * (`newDeviceSignInCohort`): a farm's fresh profiles; and every client's sign-ups under an aliased
 * address (`aliasedSignupCohort`): a wave of +tags is a farm of mailboxes, whoever sends it.
 * `password`: a sign-in's password as a keyed digest (worker/credentials.ts): how many usernames one
 * password was tried against, refused and let in — a spray tries a few common passwords on many
 * accounts. Counted in one of PASSWORD_SHARDS objects (`passwordShardName`, worker/counters/PasswordTries.ts),
 * never an object of its own, and forgotten an hour after it was written (PASSWORD_KEEP_MS).
 */
export const KEY_KINDS = ['device', 'ip', 'prefix', 'user', 'asn', 'cohort', 'password'] as const

/** A password digest's counts are kept this long, never the 24 h of the other keys: the digest is the password's. */
export const PASSWORD_KEEP_MS = 3_600_000
export type KeyKind = (typeof KEY_KINDS)[number]

export const isKeyKind = (v: unknown): v is KeyKind =>
  typeof v === 'string' && (KEY_KINDS as readonly string[]).includes(v)

/** The object name for one journey key: `["ip","203.0.113.7"]`. Unambiguous for any value. */
export function counterName(kind: KeyKind, value: string): string {
  return JSON.stringify([kind, value])
}

/** The writes whose cookie-less browsers the site counts together. */
export type CohortKind = 'sign_in' | 'checkout'

/**
 * The cohort a cookie-less browser's sign-in or checkout on this host belongs to (its `cohort` key's
 * value). The host is the client's to spell: `Example.com`, `example.com:443` and `example.com.` (a trailing dot
 * reaches the same zone) are one site, or a stuffer would get a fresh count per spelling. A wildcard
 * route over hostnames the origin answers for still lets it pick one: route the hosts by name.
 */
export function cookielessCohort(kind: CohortKind, host: string): string {
  return JSON.stringify([`cookieless_${kind}`, siteOf(host)])
}

/**
 * The cohort of the site's sign-ins from a new browser (a device cookie not yet aged into an established
 * device): read on each such sign-in, and counted after the origin's answer only when the account was not
 * let in for 30 days (a dormant account, or a username the site does not have) — the sign-ins a stuffer's
 * fresh browser profiles make with the non-members of its list (new_device_sign_in_wave).
 */
export function newDeviceSignInCohort(host: string): string {
  return JSON.stringify(['new_device_sign_in', siteOf(host)])
}

/** Whether a cohort key is the new browsers' sign-ins (its outcomes are counted for unknown accounts only). */
export const isNewDeviceSignInCohort = (cohort: string | null | undefined): boolean =>
  typeof cohort === 'string' && cohort.startsWith('["new_device_sign_in",')

/**
 * The cohort of the site's sign-ups at an aliased address (`name+tag@`, googlemail.com; src/signals/email.ts),
 * from any client: a spammer paying for a real inbox per account or two, each sign-up from a fresh
 * source, has no count of its own anywhere but there (aliased_signup_wave).
 */
export function aliasedSignupCohort(host: string): string {
  return JSON.stringify(['aliased_sign_up', siteOf(host)])
}

/** A host as its site: case, port and trailing dots are the client's to spell, one site all the same. */
export function siteOf(host: string): string {
  return host.toLowerCase().replace(/:\d+$/, '').replace(/\.+$/, '')
}

/** How many zone shards isolates spread their flushes over (see docs/counters.md). */
export const ZONE_SHARDS = 8

/** The zone's password counts are spread over this many objects (by the digest's first byte). */
export const PASSWORD_SHARDS = 64

/** The object that counts a password digest (hex, worker/privacy.ts hashPassword): `["password","shard",17]`. */
export function passwordShardName(digest: string): string {
  const byte = Number.parseInt(digest.slice(0, 2), 16)
  if (!/^[0-9a-f]{2}/.test(digest) || !Number.isInteger(byte)) throw new TypeError('a password digest is hex')
  return JSON.stringify(['password', 'shard', byte % PASSWORD_SHARDS])
}

/** The zone's session bindings are spread over this many objects (by the session hash's first byte). */
export const SESSION_SHARDS = 64

/** The object that holds a session's binding (its keyed hash, hex): `["session","shard",9]`. */
export function sessionShardName(hash: string): string {
  if (!/^[0-9a-f]{2}/.test(hash)) throw new TypeError('a session hash is hex')
  return JSON.stringify(['session', 'shard', Number.parseInt(hash.slice(0, 2), 16) % SESSION_SHARDS])
}

export function zoneShardName(shard: number): string {
  if (!Number.isInteger(shard) || shard < 0 || shard >= ZONE_SHARDS) throw new TypeError(`zone shard out of range: ${shard}`)
  return JSON.stringify(['zone', 'shard', shard])
}

export const ZONE_ROOT_NAME = JSON.stringify(['zone', 'root'])

/** The single admin registry object (deny-list index and labels). */
export const REGISTRY_NAME = JSON.stringify(['registry'])

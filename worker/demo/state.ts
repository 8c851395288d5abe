// Takes nothing; returns the demo origin's mutable state (signups, profiles, balances, session key).
// Must not be mistaken for storage: it lives in one isolate's memory and is lost on restart.
//
// The demo origin is a target for simulated attacks, not a product: keeping its state in
// memory per isolate is deliberate. Each map is capped so a signup or profile flood cannot
// grow an isolate's memory without bound (oldest entries are evicted first).

/** A password kept for a run-time signup: a salted SHA-256 (a real origin would use a slow KDF). */
export type StoredPassword = { readonly salt: string; readonly hash: string }

export type Profile = { readonly name: string; readonly email: string; readonly phone: string }

export type DemoState = {
  readonly signups: Map<string, StoredPassword>
  readonly profiles: Map<string, Profile>
  /** Balances in cents that differ from a user's opening balance. */
  readonly balances: Map<string, number>
  /** HMAC key for session cookies, generated on first use (random values only inside a request). */
  sessionKey: Promise<CryptoKey> | undefined
}

/** Most entries kept in each map before the oldest is evicted. */
export const MAX_ENTRIES = 20_000

export function createDemoState(): DemoState {
  return { signups: new Map(), profiles: new Map(), balances: new Map(), sessionKey: undefined }
}

/** Sets a key in a capped map, evicting the oldest entries beyond MAX_ENTRIES. */
export function setCapped<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key)
  map.set(key, value)
  while (map.size > MAX_ENTRIES) {
    const oldest = map.keys().next()
    if (oldest.done) break
    map.delete(oldest.value)
  }
}

let isolateState: DemoState | undefined

/** The one state shared by every demo origin built in this isolate without its own state. */
export function isolateDemoState(): DemoState {
  isolateState ??= createDemoState()
  return isolateState
}

// Credentials on the request path: takes a request on a credential route (login, signup,
// password_reset), peeks at most `credentials.max_body_bytes` of its body (the origin still gets
// every byte) and returns what rules and counters need — whether it is an attempt, the username key,
// whether the username was unreadable or conflicting. Never the password; never a throw on bad input.
import type { CompiledConfig } from '../src/config/compileConfig'
import { CREDENTIAL_CLASSES, type RouteClass } from '../src/config/routeClasses'
import { NO_CREDENTIALS, readCredentials, type CredentialFacts, type UnreadableReason } from '../src/signals/credentials'
import { emailFacts } from '../src/signals/email'
import { siteOf } from '../src/counters/keys'
import { peekBody } from './body'
import { pairSecret, rangeProbe } from '../src/leaked/range'
import { leakedCheckOn, leakedEndpoints, type LeakedProbes } from './leaked'
import { hashPassword, hashUser } from './privacy'
import type { RequestFacts } from './request'

/** What the site's unreadable sign-ins share as their password key's input (in place of a password none of them showed). */
const UNREADABLE_PASSWORD = '\u0000unreadable'

export interface RequestCredentials {
  readonly facts: CredentialFacts
  /** Why the username was unreadable (for the log), or null. */
  readonly unreadable: UnreadableReason | null
  /**
   * The username key: the keyed hash of the one username, or — when the request carries several
   * different ones — of that set, so each new combination counts as a new username tried.
   */
  readonly user: string | null
  /** A sign-in's password as its keyed digest (worker/privacy.ts hashPassword), or null: never the password. */
  readonly password: string | null
  /**
   * The attempt's password (and, with one username, its pair) as SHA-1 range probes for the leaked
   * check (worker/leaked.ts), or null: check off, or no password. Never logged or stored.
   */
  readonly leaked: LeakedProbes | null
  /** The body the origin gets: the peeked tee when the body was read, else the request's own. */
  readonly originBody: BodyInit | null
}

export async function readRequestCredentials(
  request: Request,
  facts: RequestFacts,
  config: CompiledConfig,
  routeClass: RouteClass,
  env: Env,
  missing: string[],
): Promise<RequestCredentials> {
  const none: RequestCredentials = { facts: NO_CREDENTIALS, unreadable: null, user: null, password: null, leaked: null, originBody: request.body }
  if (!CREDENTIAL_CLASSES.has(routeClass)) return none
  const peeked = await peekBody(request.body, config.source.credentials.max_body_bytes)
  const read = readCredentials(
    { query: facts.url.search, body: peeked.head, truncated: peeked.truncated, complete: peeked.complete, contentType: facts.headers.get('content-type'), authorization: facts.headers.get('authorization'), contentEncoding: facts.headers.get('content-encoding') },
    config,
  )
  // A POST is an attempt whatever it carries; any other method only when it carries a password field
  // (`GET /login?username=…&password=…`), so a form view with `?email=` prefilled is not one.
  const attempt = facts.method === 'POST' || read.passwordSeen
  if (!attempt) return { ...none, originBody: peeked.forOrigin }
  // A sign-up is keyed by its mailbox, aliases folded: `a.b+1@gmail.com` and `ab+2@gmail.com` are one
  // inbox opening a second account (src/signals/email.ts), whatever the form's username field says.
  // Every address it carries counts: a plain decoy in `username` does not hide a throwaway in `email`,
  // and two inboxes are a conflict (the origin reads one, we cannot tell which).
  const addresses = routeClass === 'signup' ? read.emails.flatMap((e) => emailFacts(e, config.disposableLists) ?? []) : []
  const mailboxes = [...new Set(addresses.map((a) => a.mailbox))].sort()
  const names = mailboxes.length > 0 ? mailboxes : [...read.usernames].sort()
  let user: string | null = null
  let password: string | null = null
  try {
    if (names.length > 0) user = await hashUser(names.length === 1 ? names[0]! : `\u0000set\u0000${names.join('\u0000')}`, env, missing)
    // A sign-in's password, as a keyed digest at once: one password tried on many accounts is a spray.
    // Per site, as a site's cookie-less sign-ins are: a spray is on one site's accounts. A sign-in whose
    // body could not be read in full (padded past the cap, a coded body) has no password to read: all
    // such sign-ins of the site share one key, so padding does not take a spray out of count.
    const cut = read.unreadable !== null && read.unreadable !== 'no_username'
    const secret = read.passwordForDigest ?? (cut ? UNREADABLE_PASSWORD : null)
    if (routeClass === 'login' && secret !== null) password = await hashPassword(siteOf(facts.url.hostname), secret, env, missing)
  } catch {
    missing.push('user_hash') // the body is already tee'd: decide without the username rather than fail open
  }
  // Login, sign-up and password change alike: a breached password is as bad a new one as a used one.
  const endpoints = leakedEndpoints(config, env)
  let leaked: LeakedProbes | null = null
  if (leakedCheckOn(endpoints) && read.passwordForDigest !== null) {
    const single = read.usernames.length === 1 ? read.usernames[0]! : null
    leaked = {
      password: await rangeProbe(read.passwordForDigest),
      pair: endpoints.pairRangeUrl !== null && single !== null ? await rangeProbe(pairSecret(single, read.passwordForDigest)) : null,
    }
  }
  return {
    // On a sign-in, a second configured field naming someone else is a decoy too: a browser's sign-in
    // form names one user (a signup form's username + e-mail differ by design), and one password.
    facts: {
      attempt,
      unreadable: read.unreadable !== null,
      conflict: read.conflict || (routeClass === 'login' && (read.otherFieldDisagrees || read.passwordConflict)) || mailboxes.length > 1,
      emailDisposable: addresses.some((a) => a.disposable),
      emailAliased: addresses.some((a) => a.aliased),
    },
    unreadable: read.unreadable,
    user,
    password,
    leaked,
    originBody: peeked.forOrigin,
  }
}

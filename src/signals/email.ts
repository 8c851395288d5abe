// What a sign-up's e-mail address says about the account being opened. Takes the address (as the
// credential reader canonicalised it: NFKC, trimmed, lower-case) and the operator's extra and allowed
// domains; returns its mailbox (aliases folded) and whether its domain hands out throwaway inboxes.
// Pure; never throws. Bulk sign-ups use throwaway inboxes (nothing to verify, nothing to lose) or one
// real inbox under many aliases (`a.b+1@gmail.com`, `ab+2@gmail.com`: one mailbox).
import blocklist from 'disposable-email-domains-js/dist/dict/disposable_email_blocklist.json'

/** The community-kept list of throwaway-inbox domains (disposable-email-domains, CC0). */
const DISPOSABLE: ReadonlySet<string> = new Set(blocklist as string[])

/** Domains whose mailboxes ignore dots in the local part (Gmail's rule). */
const DOTLESS = new Set(['gmail.com', 'googlemail.com'])
/** Domains that are one mailbox provider under two names. */
const SAME_AS: Readonly<Record<string, string>> = { 'googlemail.com': 'gmail.com' }

export interface EmailFacts {
  /** The mailbox: `+tag` dropped, and for Gmail the dots of the local part; its domain canonical. */
  readonly mailbox: string
  /** The address names its mailbox through an alias: a `+tag`, or googlemail.com (Gmail's dots are how people write their own address). */
  readonly aliased: boolean
  /** The domain, or a domain it is under, hands out throwaway inboxes (and is not allowed by the operator). */
  readonly disposable: boolean
}

export interface DisposableLists {
  /** Domains the operator adds (`email.disposable_extra`): a throwaway service the list lacks. */
  readonly extra: ReadonlySet<string>
  /** Domains the operator allows (`email.disposable_allow`): its own, or one the list has wrong. */
  readonly allow: ReadonlySet<string>
}

export const NO_LISTS: DisposableLists = { extra: new Set(), allow: new Set() }

const MAX_DOMAIN_LABELS = 10

/** An address's shape: a local part without spaces, `@`, a dotted domain (a trailing dot allowed). */
export function isEmailAddress(value: string): boolean {
  const at = value.lastIndexOf('@')
  return at > 0 && !/\s/.test(value.slice(0, at)) && /^([^\s@.]+\.)+[^\s@.]+\.*$/.test(value.slice(at + 1))
}

/** The facts of an e-mail address, or null when the value is not one (isEmailAddress). */
export function emailFacts(address: string, lists: DisposableLists = NO_LISTS): EmailFacts | null {
  if (!isEmailAddress(address)) return null
  const at = address.lastIndexOf('@')
  const local = address.slice(0, at)
  const domain = address.slice(at + 1).replace(/\.+$/, '')
  const provider = SAME_AS[domain] ?? domain
  let box = local.split('+')[0]!
  if (box === '') box = local // `+tag@` alone: no mailbox part to keep, count the address as it is
  const tagged = box !== local || provider !== domain
  if (DOTLESS.has(domain)) box = box.replace(/\./g, '')
  return { mailbox: `${box}@${provider}`, aliased: tagged, disposable: isDisposable(domain, lists) }
}

/** The domain or any parent of it (`x.mailinator.com` is mailinator's) is listed and not allowed. */
function isDisposable(domain: string, lists: DisposableLists): boolean {
  const labels = domain.split('.')
  if (labels.length > MAX_DOMAIN_LABELS) return false
  for (let i = 0; i < labels.length - 1; i++) {
    const d = labels.slice(i).join('.')
    if (lists.allow.has(d)) return false
    if (lists.extra.has(d) || DISPOSABLE.has(d)) return true
  }
  return false
}

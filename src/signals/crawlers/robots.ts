// robots.txt rules: takes the site's origin and the robots.txt text; returns a check of a path for a
// crawler's product token (its User-agent group, else `*`). Parsing is robots-parser's (RFC 9309,
// Google's matching). Pure; never throws: a file it cannot read allows everything.
import robotsParser from 'robots-parser'

/** Crawlers read at most this much of a robots.txt (RFC 9309 asks for at least 500 KiB). */
export const MAX_ROBOTS_BYTES = 512 * 1024

/**
 * Tokens that obey only a group naming them, never `*` (Google: AdsBot ignores the global group, so
 * a site does not shut its own ads' landing-page checks out by accident).
 */
const NAMED_GROUP_ONLY = /^adsbot-google/i

/** A User-agent name as robots-parser keys its groups: lower case, before any `/`, trimmed. */
const groupName = (name: string): string => name.toLowerCase().split('/')[0]!.trim()

export interface RobotsRules {
  /** False when the token's group (or `*`, except for AdsBot) disallows the path; true otherwise. */
  allows(pathAndQuery: string, token: string): boolean
}

export const ALLOW_ALL: RobotsRules = { allows: () => true }

export function parseRobots(origin: string, text: string): RobotsRules {
  try {
    const base = new URL('/robots.txt', origin).href
    const read = text.slice(0, MAX_ROBOTS_BYTES)
    const robots = robotsParser(base, read)
    const groups = new Set([...read.matchAll(/^[ \t]*user-agent[ \t]*:([^#\r\n]*)/gim)].map((m) => groupName(m[1] ?? '')))
    return {
      allows(pathAndQuery, token) {
        try {
          if (NAMED_GROUP_ONLY.test(token) && !groups.has(groupName(token))) return true
          return robots.isAllowed(new URL(pathAndQuery, base).href, token) !== false
        } catch {
          return true
        }
      },
    }
  } catch {
    return ALLOW_ALL
  }
}

// robots.txt rules: takes the site's origin and the robots.txt text; returns a check of a path for a
// crawler's product token (its User-agent group, else `*`). Parsing is robots-parser's (RFC 9309,
// Google's matching). Pure; never throws: a file it cannot read allows everything.
import robotsParser from 'robots-parser'

/** Crawlers read at most this much of a robots.txt (RFC 9309 asks for at least 500 KiB). */
export const MAX_ROBOTS_BYTES = 512 * 1024

export interface RobotsRules {
  /** False when the token's group (or `*`) disallows the path; true otherwise. */
  allows(pathAndQuery: string, token: string): boolean
}

export const ALLOW_ALL: RobotsRules = { allows: () => true }

export function parseRobots(origin: string, text: string): RobotsRules {
  try {
    const base = new URL('/robots.txt', origin).href
    const robots = robotsParser(base, text.slice(0, MAX_ROBOTS_BYTES))
    return {
      allows(pathAndQuery, token) {
        try {
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

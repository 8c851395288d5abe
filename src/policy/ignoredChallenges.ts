// A challenge a client ignores sticks to it. Takes the address's counts of challenge pages shown to
// its clients on page reads and of challenges passed from it (10 minutes); returns whether its next
// page read carries a challenge whatever its score. Pure. Counted per address, not per cookie: a
// device cookie is one free POST to mint, and a scraper minting one per challenge shed a per-cookie record.
//
// Why: a scraper without cookies was challenged on its fast page views and let in again the moment
// its rate fell back (held-out seed 635745649: a slow declared bot let in for 10 pages after 88
// challenges it never looked at). A person shown a challenge solves it once, or waits 5 s without
// JavaScript, and is let in on the clearance; someone who leaves is one challenge, not five.
// What it costs a scraper to shed: passing — a proof of work per deviceless clearance (5 minutes,
// a few uses) or a 5 s wait the network gets three of in 10 minutes — or going quiet for 10 minutes.
// Loading the challenge page and leaving does not count; only a clearance issued does.

/** Challenge pages shown in 10 minutes before an address's silence reads as ignoring them. */
export const IGNORED_CHALLENGES_MIN = 5
/** …and shown per pass: an address whose clients pass one challenge in four is still let pass on clearances. */
export const IGNORED_CHALLENGES_PER_PASS = 4

/** Whether the address's clients ignore the challenges they are shown (null counts: unknown, no). */
export function ignoresChallenges(shown10m: number | null, passes10m: number | null): boolean {
  if (shown10m === null || passes10m === null) return false
  return shown10m >= IGNORED_CHALLENGES_MIN && shown10m >= IGNORED_CHALLENGES_PER_PASS * (passes10m + 1)
}

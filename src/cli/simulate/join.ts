// Ground truth × decision log: takes the log lines and which session owns each client address,
// returns labelled rows (the line + label, family, session) for protected paths. Pure. Lines from
// addresses the run does not own (other tools, earlier runs) are counted, never guessed.
import type { Family } from './catalog'
import { isProtected, type LogLine } from './logLines'

export interface Owner {
  readonly family: Family
  readonly session: string
  readonly label: 0 | 1
}

export type LabelledRow = LogLine & {
  readonly label: 0 | 1
  readonly family: Family
  readonly session: string
}

export interface JoinResult {
  readonly rows: LabelledRow[]
  /** Protected lines whose address no session of this run owns. */
  readonly unowned: number
  /** Reserved-path lines (SDK collect, challenge pages) of this run's sessions, left out. */
  readonly reserved: number
}

export function joinTruth(lines: readonly LogLine[], owners: ReadonlyMap<string, Owner>, since = 0): JoinResult {
  const rows: LabelledRow[] = []
  let unowned = 0
  let reserved = 0
  for (const line of lines) {
    if (since > 0 && Date.parse(line.ts) < since) continue
    const owner = owners.get(line.ip)
    if (owner === undefined) {
      if (isProtected(line)) unowned++
      continue
    }
    if (!isProtected(line)) {
      reserved++
      continue
    }
    rows.push({ ...line, label: owner.label, family: owner.family, session: owner.session })
  }
  return { rows, unowned, reserved }
}

export const toNdjson = (rows: readonly object[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length > 0 ? '\n' : '')

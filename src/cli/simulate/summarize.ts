// Recomputes a run's per-family table, human friction and targets from its labelled NDJSON
// (`npm run simulate -- --out`): `npx tsx src/cli/simulate/summarize.ts rows.ndjson [--json]`.
// Shadow-mode rows are measured on would_action, as the simulator does.
import { readFileSync } from 'node:fs'
import { FAMILIES } from './catalog'
import type { LabelledRow } from './join'
import { allFamilyResults, causesText, frictionCauses, humanFriction, stepUpCauses } from './report'
import { familyTable, humanLine, targetTable } from './table'
import { checkTargets } from './targets'

const file = process.argv[2]
if (file === undefined) {
  console.error('usage: summarize rows.ndjson [--json]')
  process.exit(2)
}
const rows = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as LabelledRow)
const shadow = rows.length > 0 && rows.every((r) => r.mode === 'shadow')
const measured = shadow ? rows.map((r) => ({ ...r, action: String(r.would_action ?? r.action) })) : rows
const present = FAMILIES.filter((f) => rows.some((r) => r.family === f))
const results = allFamilyResults(measured, present)
const humans = humanFriction(measured)
const checks = checkTargets(results, humans)
// Friction (challenge, rate limit, block) and step-ups (review) are counted apart: report.ts.
const causes = frictionCauses(measured)
const stepUps = stepUpCauses(measured)
if (process.argv.includes('--json')) console.log(JSON.stringify({ file, measured_on: shadow ? 'would_action' : 'action', families: results, humans, friction_causes: causes, step_up_causes: stepUps, targets: checks }))
else console.log(`${familyTable(results)}\n\n${humanLine(humans)}\n${causes.length === 0 ? '' : `people hurt, by what first hurt them: ${causesText(causes)}\n`}${stepUps.length === 0 ? '' : `people stepped up (not friction), by what first did: ${causesText(stepUps)}\n`}\n${targetTable(checks)}`)

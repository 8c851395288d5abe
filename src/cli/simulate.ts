// `npm run simulate`: drives seeded human and attack families (HTTP clients and real Chromium, each
// client its own 127.x.y.z) against edgeward, joins its decision log with the ground truth, prints the
// per-family table to stderr and one JSON line to stdout; optionally labelled NDJSON and fraud labels.
import { exportJWK, generateKeyPair } from 'jose'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseSimArgs, USAGE, type SimOptions } from './simulate/args'
import { FAMILIES, FAMILY_INFO } from './simulate/catalog'
import { createChromium, haveChromium, type Chromium } from './simulate/chromium'
import { adaptiveLedger, setAdaptiveTactics } from './simulate/families/adaptive'
import { withAdaptiveFigures } from './simulate/families/adaptiveReport'
import { crawlerFigures, simulatedRanges, withSimulatedSources } from './simulate/families/crawlers'
import { DEFAULT_CONFIG } from '../config/defaults'
import { joinTruth, toNdjson } from './simulate/join'
import { chooseLabels, exportLabels, postLabels } from './simulate/labels'
import { progressBar } from './simulate/progress'
import { random } from './simulate/random'
import { allFamilyResults, benignAutomationFriction, causesText, frictionCauses, humanFriction, reachText, signInReach, stepUpCauses } from './simulate/report'
import { planRun, runPlanned } from './simulate/schedule'
import { attachServer, startServer, type KvEntry, type Target } from './simulate/server'
import { frictionByCohort, operatorAllowList, type OperatorAllow } from './simulate/benignAllow'
import { snapshotHead } from './simulate/snapshot'
import { ownersPast, postHistory, returningShare, sessionImporter } from './simulate/history'
import { pacing } from './simulate/pacing'
import { familyTable, humanLine, targetTable } from './simulate/table'
import { checkTargets } from './simulate/targets'
import { createTruth } from './simulate/truth'
import { sleep, type World } from './simulate/world'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
/** Sessions that started late get this long after the window to finish. */
const TAIL_MS = 120_000
const MAX_RESTARTS = 5

function fail(message: string): never {
  console.error(`simulate: ${message}`)
  process.exit(2)
}

/** KV entries for our own server: a model as model:<version>, and a config naming it. */
function kvEntries(o: SimOptions, work: string, allowIps: readonly string[], apps: readonly { id: string; public_key: unknown }[]): { entries: KvEntry[]; model: string | null } {
  const entries: KvEntry[] = []
  let config: Record<string, unknown> | null = o.config === null ? null : (JSON.parse(readFileSync(o.config, 'utf8')) as Record<string, unknown>)
  if (allowIps.length > 0) {
    // The operator's allow list for the partners and monitors that told them their addresses.
    const allow = (config?.allow ?? {}) as { ips?: string[]; asns?: number[] }
    config = { version: `sim-allow-${o.seed}`, ...config, allow: { ips: [...(allow.ips ?? []), ...allowIps], asns: allow.asns ?? [] } }
  }
  if (apps.length > 0) {
    // The operator's own app and partners, registered with their public keys (docs/apps.md).
    config = { version: `sim-allow-${o.seed}`, ...config, apps: [...((config?.apps as unknown[] | undefined) ?? []), ...apps] }
  }
  // The stand-in published crawler ranges the verified crawlers come from (families/crawlers.ts).
  // Each vendor's own range and source, bound to its tokens: a claim verifies only against its own
  // (the spoofers need the sources too — a claim no source covers is a declared bot, not a spoof).
  if (o.families.includes('crawlers_verified') || o.families.includes('crawlers_spoofed')) {
    simulatedRanges(Date.now()).forEach((ranges, i) => {
      const path = join(work, `crawler-ranges-${i}.json`)
      writeFileSync(path, ranges.value)
      entries.push({ key: ranges.key, file: path })
    })
    const sources = ((config?.verified_crawlers as { sources?: { name: string }[] } | undefined)?.sources ?? DEFAULT_CONFIG.verified_crawlers.sources) as { name: string }[]
    config = { version: `sim-crawlers-${o.seed}`, ...config, verified_crawlers: { sources: withSimulatedSources(sources) } }
  }
  let model: string | null = null
  if (o.model !== null) {
    const file = JSON.parse(readFileSync(o.model, 'utf8')) as { model_version?: unknown }
    if (typeof file.model_version !== 'string') fail(`${o.model}: no model_version`)
    model = file.model_version
    entries.push({ key: `model:${model}`, file: resolve(o.model) })
    config = { version: `sim-${model}`, ...config, model: { active: model } }
  }
  if (config !== null) {
    const path = join(work, 'config.json')
    writeFileSync(path, JSON.stringify(config))
    entries.push({ key: 'config', file: path })
  }
  return { entries, model }
}

async function main(): Promise<void> {
  const parsed = parseSimArgs(process.argv.slice(2))
  if (!parsed.ok) fail(`${parsed.error}\n${USAGE}`)
  const o = parsed.value
  const runName = `seed-${o.seed}-${o.variant}${o.smoke ? '-smoke' : ''}`
  const work = claimWorkDir(join(ROOT, 'out', 'sim', runName))

  let commit: string | null = null
  let root = o.root === null ? ROOT : resolve(o.root)
  if (o.snapshot) ({ dir: root, commit } = snapshotHead(ROOT))
  const allow = plannedAllowList(o)
  // The operator registers its app when it acts at all (the allow list's switch): a fresh key per run.
  const app = o.allow && o.url === null ? await newSimApp() : null
  const { entries, model } = kvEntries(o, work, allow.ips, app === null ? [] : [{ id: app.id, public_key: app.publicJwk }])
  console.error(`simulate: ${o.url === null ? `starting edgeward from ${root}${model ? ` with model ${model}` : ''}` : `attaching to ${o.url.href}`}`)
  const target: Target = o.url === null
    ? await startServer(root, resolve(o.log ?? join(work, 'server.log')), entries, o.port).catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)))
    : await attachServer(o.url, resolve(o.log!)).catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)))

  let chromium: Chromium | null = null
  if (o.chromium) {
    if (haveChromium()) chromium = createChromium(o.browsers)
    else console.error('simulate: /usr/bin/chromium is missing — the browser families are skipped (apt-get install chromium)')
  }
  // The owners' past, before anyone signs in: what an operator imports from its login log.
  const importStarted = Date.now()
  const past = await postHistory(target.url, o.adminToken, ownersPast(o.seed, importStarted)).catch(async (e: unknown) => {
    await target.stop()
    return fail(`importing the owners' past: ${e instanceof Error ? e.message : String(e)}`)
  })
  const returning = returningShare(o.seed)
  console.error(`simulate: owners' past imported (${past.imported} sign-ins of ${past.entries}, ${past.skipped} skipped; ${past.calls} calls, ${Date.now() - importStarted} ms); people sign in from a known place with p = ${returning.toFixed(3)}`)
  const abort = { stopped: false }
  const history = sessionImporter(target.url, o.adminToken, returning, () => (abort.stopped = true))
  const truth = createTruth()
  const startedAt = Date.now() + 500
  const windowMs = o.windowS * 1000
  const world: World = {
    target: target.url, truth, seed: o.seed, variant: o.variant, scale: o.scale, smoke: o.smoke, windowMs, startedAt,
    deadline: startedAt + windowMs + (o.smoke ? 20_000 : TAIL_MS), chromium, pace: o.smoke ? 0.1 : 1, abort,
    app: app === null ? null : { id: app.id, privateKey: app.privateKey }, history,
  }
  setAdaptiveTactics(o.tactics)
  const planned = planRun(world, o.families)
  console.error(`simulate: ${planned.length} sessions over ${o.windowS} s (seed ${o.seed}, variant ${o.variant}, scale ${o.scale}${o.smoke ? ', smoke' : ''})`)
  if (operatorAllowList(planned, o.seed, allow.ips.length > 0).ips.join() !== allow.ips.join()) console.error('simulate: warning — the allow list written before the start does not match the planned run')
  const progress = progressBar(truth, planned.length, startedAt, world.deadline)
  // `wrangler dev` 4.86 can exit mid-run (cloudflare/workers-sdk#15317): restart our own server on
  // the same port, state and secrets, count it, and give up after MAX_RESTARTS; an attached one ends the run.
  let misses = 0
  let restarts = 0
  let restarting = false
  const watchdog = setInterval(() => {
    if (restarting || world.abort.stopped) return
    void target.healthy().then(async (ok) => {
      misses = ok && target.alive() ? 0 : misses + (target.alive() ? 1 : 3)
      if (misses < 3 || restarting) return
      if (target.restart === undefined || restarts >= MAX_RESTARTS) {
        world.abort.stopped = true
        return
      }
      restarting = true
      restarts++
      console.error(`\nsimulate: the server under test stopped answering — restart ${restarts} of at most ${MAX_RESTARTS}`)
      if (!(await target.restart())) world.abort.stopped = true
      misses = 0
      restarting = false
    })
  }, 2000)
  let outcome
  try {
    outcome = await runPlanned(planned, () => {
      progress.tick()
    })
  } finally {
    clearInterval(watchdog)
    progress.done()
    await chromium?.close()
  }
  await history.flush()
  const importError = history.error()
  if (importError !== null) {
    await target.stop()
    fail(`importing a person's known place: ${importError.message}`)
  }
  if (world.abort.stopped) {
    await target.stop()
    fail(`the edgeward under test exited during the run; its stderr ends:\n${target.stderr().slice(-3000)}`)
  }
  await sleep(1500) // the last lines are printed after the last responses
  const joined = joinTruth(target.lines(), truth.byIp(), startedAt - 1000, truth.requests())
  // In shadow mode nothing is enforced: measure what enforce would have done (would_action).
  const shadow = joined.rows.length > 0 && joined.rows.every((r) => r.mode === 'shadow')
  const measured = shadow ? joined.rows.map((r) => ({ ...r, action: String(r.would_action ?? r.action) })) : joined.rows
  // The adaptive families count per login attempt (a retry after a solved challenge is the same attempt).
  const results = withAdaptiveFigures(allFamilyResults(measured, FAMILIES.filter((f) => o.families.includes(f))), measured, adaptiveLedger)
  const humans = humanFriction(measured)
  const causes = frictionCauses(measured)
  const stepUps = stepUpCauses(measured)
  const reach = signInReach(truth.signInJourneys())
  const checks = checkTargets(results, humans, reach)
  const countersMissing = joined.rows.filter((r) => r.counters !== 'ok').length
  const failed = truth.requests().filter((r) => r.status === 0)
  const errorsByFamily: Record<string, number> = {}
  for (const r of failed) errorsByFamily[r.family] = (errorsByFamily[r.family] ?? 0) + 1
  const errorKinds: Record<string, number> = {}
  for (const r of failed) errorKinds[r.error ?? 'unknown'] = (errorKinds[r.error ?? 'unknown'] ?? 0) + 1
  const firstError = failed.length === 0 ? null : Math.round((Math.min(...failed.map((r) => r.startedAt)) - startedAt) / 1000)
  const paced = pacing(truth.requests())
  if (paced.saturated) console.error(`\nsimulate: warning — the run offered more than the local server answers: the median request waited ${paced.queued_ms_p50} ms in the simulator's queue (server ${paced.server_ms_p50} ms); families paced by their answers made fewer requests than planned, and per-minute counts are lower (run.pacing)`)
  if (shadow) console.error('\nsimulate: the server ran in shadow mode — figures below are what enforce would have done (would_action)')
  const causeLine = (causes.length === 0 ? '' : `\npeople hurt, by what first hurt them: ${causesText(causes)}\n`) +
    (stepUps.length === 0 ? '' : `\npeople stepped up (not friction), by what first did: ${causesText(stepUps)}\n`) +
    `\npeople sign in from a place their account has used with p = ${returning.toFixed(3)} (drawn from [0.80, 0.97])\n` +
    `people who set out to sign in reached their account: with JavaScript ${reachText(reach.javascript)}, without ${reachText(reach.no_javascript)}\n`
  console.error(`\n${familyTable(results)}\n\n${humanLine(humans)}\n${causeLine}\n${targetTable(checks)}\n`)
  if (outcome.failures.length > 0) {
    console.error(`simulate: ${outcome.failures.length} sessions ended with an error:`)
    for (const f of outcome.failures.slice(0, 8)) console.error(`  ${f.session}: ${f.error.split('\n')[0]}`)
  }
  if (o.out !== null) {
    mkdirSync(dirname(resolve(o.out)), { recursive: true })
    writeFileSync(o.out, toNdjson(joined.rows))
    console.error(`simulate: ${joined.rows.length} labelled rows → ${o.out}`)
  }

  let labels: { posted: number; exported: string | null } | null = null
  if (o.label) {
    const items = chooseLabels(joined.rows, o.labelShare, random(o.seed, 'labels'))
    const posted = items.length === 0 ? 0 : await postLabels(target.url, o.adminToken, items)
    let exported: string | null = null
    if (o.labelsOut !== null) {
      writeFileSync(o.labelsOut, await exportLabels(target.url, o.adminToken))
      exported = o.labelsOut
    }
    labels = { posted, exported }
    console.error(`simulate: posted ${posted} labels${exported ? `; all labels exported → ${exported}` : ''}`)
  }
  await target.stop()

  const families = Object.fromEntries(Object.entries(results).map(([f, r]) => [f, {
    label: FAMILY_INFO[f as keyof typeof FAMILY_INFO].label, ...r, ...(r.sessions === 0 ? { skipped: o.smoke ? 'smoke: no Chromium' : 'no sessions (Chromium missing or disabled)' } : {}),
  }]))
  console.log(JSON.stringify({
    seed: o.seed, variant: o.variant, scale: o.scale, smoke: o.smoke, commit, measured_on: shadow ? 'would_action' : 'action', model: model ?? (joined.rows[0]?.model ?? null),
    families,
    // Keys read by outside tools (issue 13): the people's figures with the upper 95 % bounds the targets are judged on.
    human_sessions: humans.sessions,
    human_session_friction: humans.session_friction,
    human_session_friction_upper95: humans.session_friction_ci95?.[1] ?? null,
    human_request_block_rate: humans.request_block_rate,
    human_request_block_upper95: humans.request_block_ci95?.[1] ?? null,
    human_request_mitigated_rate: humans.request_mitigated_rate,
    human_friction_causes: causes,
    // Step-up (review: the origin asks for a second factor) is not friction: beside it, with the
    // run's draw of how often people sign in from a place their account has used (history.ts).
    human_step_up_sessions: humans.sessions_stepped_up,
    human_session_step_up: humans.session_step_up,
    human_session_step_up_ci95: humans.session_step_up_ci95,
    human_sign_in_sessions: humans.sign_in_sessions,
    human_sign_in_step_up: humans.sign_in_step_up,
    human_sign_in_step_up_ci95: humans.sign_in_step_up_ci95,
    human_step_up_causes: stepUps,
    returning_share: Math.round(returning * 1e4) / 1e4,
    benign_automation_friction: benignAutomationFriction(results),
    // People over HTTP who set out to sign in: reached their account with the correct password (the origin's 200).
    no_js_sign_in_sessions: reach.no_javascript.n,
    no_js_sign_in_reached: reach.no_javascript.share,
    no_js_sign_in_reached_ci95: reach.no_javascript.ci95,
    js_sign_in_sessions: reach.javascript.n,
    js_sign_in_reached: reach.javascript.share,
    js_sign_in_reached_ci95: reach.javascript.ci95,
    benign_automation_friction_upper95: results.benign_automation?.session_mitigated_share_ci95?.[1] ?? null,
    benign_automation_step_up_sessions: results.benign_automation === undefined || results.benign_automation.sessions === 0 ? null : results.benign_automation.sessions_stepped_up,
    // Benign automation with the operator's allow list (listed) and without it (listable but unlisted; not listable at all).
    benign_automation_allow: { allow_list_ips: allow.ips.length, cohorts: frictionByCohort(measured, allow.cohorts) },
    // Declared crawlers: each verified category's policy held, spoofers mitigated (families/crawlers.ts).
    crawlers: crawlerFigures(measured),
    humans,
    targets: checks,
    run: {
      sessions: planned.length, requests_sent: truth.totals.requests, request_errors: truth.totals.errors, errors_by_family: errorsByFamily, error_kinds: errorKinds,
      first_error_s: firstError, log_rows: joined.rows.length, shared_address_lines: joined.shared,
      unowned_lines: joined.unowned, counters_missing_rows: countersMissing, session_failures: outcome.failures.length, server_restarts: restarts + target.launcherRestarts(), launcher_restarts: target.launcherRestarts(),
      pacing: paced,
      duration_ms: Date.now() - startedAt, server_log: target.logFile, out: o.out, labels,
      history: { owners_past: past, people: history.totals() },
    },
  }))
}

/** The allow list an operator would have written for this run's benign automation, from a dry plan
 * (the same seed plans the same addresses), so it is in KV before the server starts. */
/** The simulated operator's app: an Ed25519 key pair made for this run (docs/apps.md). */
async function newSimApp(): Promise<{ id: string; privateKey: CryptoKey; publicJwk: JsonWebKey }> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
  const { kty, crv, x } = await exportJWK(publicKey)
  return { id: 'sim-app', privateKey: privateKey as CryptoKey, publicJwk: { kty, crv, x } }
}

function plannedAllowList(o: SimOptions): OperatorAllow {
  const dry: World = {
    target: new URL('http://127.0.0.1:1'), truth: createTruth(), seed: o.seed, variant: o.variant, scale: o.scale, smoke: o.smoke, windowMs: o.windowS * 1000,
    startedAt: 0, deadline: 0, chromium: o.chromium && haveChromium() ? ({} as Chromium) : null, pace: 1, abort: { stopped: true },
  }
  return operatorAllowList(planRun(dry, o.families), o.seed, o.allow && o.url === null)
}

await main().catch((e: unknown) => fail(e instanceof Error ? (e.stack ?? e.message) : String(e)))

/** The run's folder (server log, KV files): `dir`, or `dir-<pid>` while another live run holds `dir`,
 * so two runs of one seed at once never share a log. The claim is a pid file, released at exit. */
function claimWorkDir(dir: string): string {
  const holder = (d: string): number | null => {
    try {
      const pid = Number(readFileSync(join(d, 'run.pid'), 'utf8'))
      process.kill(pid, 0)
      return pid
    } catch {
      return null
    }
  }
  const chosen = holder(dir) === null ? dir : `${dir}-${process.pid}`
  mkdirSync(chosen, { recursive: true })
  writeFileSync(join(chosen, 'run.pid'), String(process.pid))
  process.once('exit', () => rmSync(join(chosen, 'run.pid'), { force: true }))
  return chosen
}

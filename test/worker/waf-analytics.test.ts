// Takes requests through the real fetch handler with a stand-in Analytics Engine dataset that records
// its calls; checks one data point per decision carrying the decision line's action, would_action,
// route class, host, first reason and country (risk and model risk as doubles, the host as index),
// none without the binding, and that a dataset that throws costs the request nothing.
import { afterEach, describe, expect, it } from 'vitest'
import { callWorker, clearConfig, writeConfig } from '../support/worker'
import { DECISION_BLOBS } from '../../worker/analytics/decisionPoint'

type Point = { indexes?: unknown[]; blobs?: unknown[]; doubles?: unknown[] }
const recorder = () => {
  const points: Point[] = []
  return { points, dataset: { writeDataPoint: (p?: Point) => void points.push(p ?? {}) } as unknown as AnalyticsEngineDataset }
}
const NL = { 'x-edgeward-test-cf': JSON.stringify({ country: 'NL', asn: 3320 }) }
const devEnv = { EDGEWARD_TRUST_TEST_HEADERS: 'true' }

afterEach(clearConfig)

describe('decisions to Workers Analytics Engine', () => {
  it('writes one point per decision, its fields those of the decision line', async () => {
    const { points, dataset } = recorder()
    const { response, logs } = await callWorker('/products', { headers: NL }, { env: { ...devEnv, EDGEWARD_ANALYTICS: dataset } })
    expect(response.status).toBe(200)
    expect(points).toHaveLength(1)
    const line = logs[0] as { action: string; would_action: string; route: string; host: string; reasons: string[]; country: string; risk: number; model_risk: number | null }
    expect(DECISION_BLOBS).toEqual(['action', 'would_action', 'route', 'host', 'reason', 'country'])
    expect(points[0]).toEqual({
      indexes: [line.host],
      blobs: [line.action, line.would_action, line.route, line.host, line.reasons[0] ?? '', 'NL'],
      doubles: [line.risk, line.model_risk ?? -1],
    })
    expect(points[0]!.blobs!.slice(0, 2)).toEqual(['allow', 'allow'])
  })

  it('records what shadow mode would have done and why', async () => {
    await writeConfig({ version: 'ae-shadow', mode: 'shadow', deny: { ips: ['198.51.100.0/24'], asns: [] } })
    const { points, dataset } = recorder()
    const { response, logs } = await callWorker('/products', { headers: NL }, { env: { ...devEnv, EDGEWARD_ANALYTICS: dataset }, clientIp: '198.51.100.7' })
    expect(response.status).toBe(200) // shadow: let through
    const line = logs[0] as { action: string; would_action: string; reasons: string[] }
    expect(line.would_action).toBe('block')
    expect(points.map((p) => p.blobs?.slice(0, 2))).toEqual([['allow', 'block']])
    expect(points[0]!.blobs![4]).toBe(line.reasons[0])
    expect(line.reasons[0]).toBeTruthy()
  })

  it('writes nothing without the binding, and a dataset that throws costs the request nothing', async () => {
    const plain = await callWorker('/products')
    expect(plain.response.status).toBe(200)
    expect(plain.logs).toHaveLength(1)
    const broken = { writeDataPoint: () => { throw new Error('dataset full') } } as unknown as AnalyticsEngineDataset
    const { response, logs, errors } = await callWorker('/products', {}, { env: { EDGEWARD_ANALYTICS: broken } })
    expect(response.status).toBe(200)
    expect(logs).toHaveLength(1)
    expect(errors).toEqual([])
  })

  it('cuts a client-chosen host to the index limit', async () => {
    const { points, dataset } = recorder()
    const host = `${'a'.repeat(60)}.${'b'.repeat(60)}.example`
    await callWorker(`http://${host}/products`, {}, { env: { EDGEWARD_ANALYTICS: dataset } })
    expect(points[0]!.indexes).toEqual([host.slice(0, 96)])
    expect((points[0]!.blobs![3] as string).length).toBe(100)
  })
})

// Web Bot Auth end to end through the real `npm start`: a local agent serves its key directory from
// a real HTTP server on 127.0.0.1 (accepted over http only because npm start trusts test input), signs
// its requests per RFC 9421 with a real Ed25519 key, and is verified on its first request.
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIRECTORY_PATH, makeAgent, tamperSignature, type TestAgent } from '../support/webBotAuth'
import { freePort, startDevServer, waitForLog, type DevServer } from './support/devServer'

const BOT_UA = 'ExampleAgent/1.0 (+http://127.0.0.1/bot)'

describe('a signed agent through npm start', () => {
  let server: DevServer
  const directories: Server[] = []
  let agent: TestAgent
  let unlisted: TestAgent
  let directoryHits = 0

  beforeAll(async () => {
    const port = await freePort()
    agent = await makeAgent(`http://127.0.0.1:${port}`)
    const otherPort = await freePort()
    unlisted = await makeAgent(`http://127.0.0.1:${otherPort}`)
    // Each agent's key directory on a real local HTTP server of its own.
    for (const [served, p] of [[agent, port], [unlisted, otherPort]] as const) {
      const directory = createServer((req, res) => {
        if (req.url !== DIRECTORY_PATH) {
          res.writeHead(404).end()
          return
        }
        if (served === agent) directoryHits++
        res.writeHead(200, { 'content-type': 'application/http-message-signatures-directory+json', 'cache-control': 'max-age=300' }).end(JSON.stringify(served.directory))
      })
      await new Promise<void>((resolve) => directory.listen(p, '127.0.0.1', resolve))
      directories.push(directory)
    }
    server = await startDevServer({ npmStart: true, config: { version: 'e2e-wba', agents: { [agent.url]: { name: 'Local Agent', action: 'allow' } } } })
  }, 120_000)
  afterAll(async () => {
    await server?.stop()
    for (const d of directories) d.close()
  })

  const get = async (path: string, headers: Record<string, string>) =>
    fetch(`http://127.0.0.1:${server.port}${path}`, { headers: { 'user-agent': BOT_UA, accept: '*/*', ...headers } })

  it('is verified on its first request, let in where its declared bot User-Agent alone is blocked, and named on the line', async () => {
    const unsigned = await get('/login?probe=unsigned', {})
    expect(unsigned.status).toBe(403)
    const url = `http://127.0.0.1:${server.port}/login`
    const signed = await get('/login', await agent.sign('GET', url))
    expect(signed.status).toBe(200)
    const line = await waitForLog(server, (l) => l.path === '/login' && l.agent !== null)
    expect(line.agent).toBe('Local Agent')
    expect(line.action).toBe('allow')
    expect(directoryHits).toBe(1)
  })

  it('an unlisted agent is verified and named by its URL; a tampered signature is not', async () => {
    const url = `http://127.0.0.1:${server.port}/products/3`
    await get('/products/3', await unlisted.sign('GET', url))
    const line = await waitForLog(server, (l) => l.path === '/products/3')
    expect(line.agent).toBe(unlisted.url)
    const forged = await get('/products/4', tamperSignature(await unlisted.sign('GET', `http://127.0.0.1:${server.port}/products/4`)))
    expect(forged.status).toBeLessThan(500)
    const bad = await waitForLog(server, (l) => l.path === '/products/4')
    expect(bad.agent).toBeNull()
    expect(bad.reasons).toContain('agent_unverified:bad_signature')
  })
})

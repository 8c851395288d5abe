// npm scripts (and the npx they spawn: wrangler, tsx) run on the Node pinned in package.json (the
// `node` package puts its binary in node_modules/.bin, first on an npm script's PATH), whatever
// Node the machine has. If the package's install script was blocked (allowScripts), .bin/node is a
// dangling link and everything silently falls back to the machine's Node: this is where that shows.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const pinned = (JSON.parse(readFileSync('package.json', 'utf8')) as { devDependencies: Record<string, string> }).devDependencies.node

describe('the Node that runs our scripts', () => {
  it('is the version package.json pins, a 22 LTS that current wrangler accepts (>= 22.12)', () => {
    expect(pinned).toMatch(/^22\.\d+\.\d+$/)
    expect(process.version).toBe(`v${pinned}`)
    const [, minor] = process.versions.node.split('.').map(Number)
    expect(minor).toBeGreaterThanOrEqual(12)
  })

  it('is also what an `npx` spawned from a script runs on (start.ts, the simulator, the e2e dev server)', () => {
    const r = spawnSync('npx', ['node', '-p', 'process.version'], { encoding: 'utf8' })
    expect(r.status).toBe(0)
    expect(r.stdout.trim()).toBe(`v${pinned}`)
  })
})

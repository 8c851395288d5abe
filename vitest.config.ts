import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'
// The workers pool's shutdown line (not a test's): see the file.
import './test/support/quietPoolShutdown.ts'

// Four projects (`npm test` runs unit, worker and e2e):
// - unit:     src/ in plain Node — proves the pipeline has no platform dependency.
// - worker:   the Worker and its Durable Objects inside workerd with real bindings.
// - e2e:      a real `wrangler dev` (and a real Chromium where installed), driven from Node: people
//   in real Chromium (test/e2e/people*.test.ts) and the real apps behind edgeward (docs/real-apps.md).
// - adaptive: issue 12's adaptive-attacker measurement through workerd (`npm run test:adaptive`,
//   10–20 minutes): each tactic against the plain attack, 40 attempts; its open gaps are in docs/adaptive.md.

const workerPool = () =>
  cloudflareTest({
    wrangler: { configPath: './wrangler.toml' },
    miniflare: {
      bindings: {
        ORIGIN_URL: 'demo',
        EDGEWARD_ADMIN_TOKEN: 'test-admin-token',
        EDGEWARD_USER_HASH_KEY: 'test-user-hash-key',
        // Most tests hammer collect / challenge / verify / admin from one address; the limits
        // themselves are tested in test/worker/counters-reserved.test.ts, which turns them on.
        EDGEWARD_RESERVED_LIMITS: 'off',
        // Held page-view counts go to their objects after every answer, so a test reads them at once
        // (test/worker/counters-held.test.ts keeps the production interval).
        EDGEWARD_COUNTER_FLUSH_MS: '0',
        EDGEWARD_COOKIE_KEYS: '{"keys":[{"kty":"EC","crv":"P-256","x":"MbWqLNgNa_VY549ECOwKluZeuA3srZxet-zQdnep8jo","y":"pvl2bNfEq19YGUJGDZjyM5zesV5twWUtFk6DJmRTiZ4","d":"8tzUgoN6O0FnsiDZM7ICa_MzXRCzJ2jjWYmQDWPmiRo","kid":"test-new","alg":"ES256","use":"sig"},{"kty":"EC","crv":"P-256","x":"AyuFE1lhMySA3KyVm8JOjOlQO0M3uHxIOowkJmwozqM","y":"6AC5uMxHguCvtvDAQmwNmzQLCS0g6qw2Z5G9leoiaU0","d":"F-jIn9mf-m3YBuZFw9bepPj_R49U7vO0KKe4UxvidLE","kid":"test-old","alg":"ES256","use":"sig"}]}',
      },
    },
  })

export default defineConfig({
  test: {
    projects: [
      {
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' },
      },
      // The worker project's global setup starts the real local range server the leaked-credential
      // tests query (test/e2e/support/leakedRangeSetup.ts, docs/leaked.md).
      { plugins: [workerPool()], test: { name: 'worker', include: ['test/worker/**/*.test.ts'], globalSetup: ['test/e2e/support/leakedRangeSetup.ts'] } },
      { plugins: [workerPool()], test: { name: 'adaptive', include: ['test/adaptive/**/*.test.ts'], testTimeout: 1_200_000, hookTimeout: 600_000 } },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
})

import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'

// Three projects:
// - unit:   src/ in plain Node — proves the pipeline has no platform dependency.
// - worker: the Worker and its Durable Objects inside workerd with real bindings.
// - e2e:    a real `wrangler dev` (and a real Chromium where installed), driven from Node.
export default defineConfig({
  test: {
    projects: [
      {
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                ORIGIN_URL: 'demo',
                EDGEWARD_ADMIN_TOKEN: 'test-admin-token',
                EDGEWARD_USER_HASH_KEY: 'test-user-hash-key',
              },
            },
          }),
        ],
        test: { name: 'worker', include: ['test/worker/**/*.test.ts'] },
      },
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

import { defineConfig } from 'vitest/config'

// Three suites: unit (no servers), integration (real servers from the harness), e2e (Chromium
// against `lookout serve`). Integration and e2e run files one at a time: two cores.
export default defineConfig({
  test: {
    projects: [
      // Fuzz and property tests take seconds on a quiet machine: the deadline leaves room for a busy one.
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node', testTimeout: 30_000 } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 90_000,
          fileParallelism: false
        }
      },
      {
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 180_000, fileParallelism: false }
      }
    ]
  }
})

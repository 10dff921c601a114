import { defineConfig } from 'vitest/config'

// Integration tests share one real 3-broker Kafka cluster, started on first use by
// test/support/kafka.ts and stopped by test/support/global-setup.ts; tests that stop brokers start
// their own. The machine has two cores, so files run two at a time.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
})

import { defineConfig } from 'vitest/config'

// `npm run bench`: measurements only, printed as a table; never part of `npm test`.
export default defineConfig({
  test: {
    include: ['test/bench/**/*.bench.ts'],
    testTimeout: 300_000,
  },
})

import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    hookTimeout: 300_000,
    // A poll waits for what a page does in its own time (renewals, other tabs), not for speed.
    expect: { poll: { timeout: 15_000 } },
    testTimeout: 60_000,
    projects: [
      // The projects run one after the other, so the unit tests' requests never compete with a browser.
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], sequence: { groupOrder: 0 } } },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          // Builds each fixture once for every e2e file.
          globalSetup: ['test/e2e/global-setup.ts'],
          // Two cores: one Nuxt server and one browser at a time.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
})

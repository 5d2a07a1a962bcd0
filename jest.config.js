/**
 * One jest config for the whole monorepo: test paths mirror source paths (libs/x/test, apps/x/test,
 * scripts/test). Four projects, run alone with `npm run test:unit` / `test:e2e` / `test:scale`
 * (`jest --selectProjects <name>`); `npm test` runs them all (scripts/run-tests.js).
 * - unit: one class or module, in-process (real files and sockets allowed, no broker process)
 * - e2e: real broker processes (dist/, built by `npm test` / `npm run test:e2e` first), real npm
 * - scale: big in-process workloads (*.scale.test.ts)
 * - alone: broker processes in tests that must have the machine to themselves (*.alone.test.ts)
 */
const base = {
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/scripts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          target: 'es2022',
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
        },
      },
    ],
  },
  moduleNameMapper: {
    '^@runnel/([a-z-]+)$': '<rootDir>/libs/$1/src',
    '^@runnel/([a-z-]+)/(.*)$': '<rootDir>/libs/$1/src/$2',
  },
  // Built packages (libs/client/dist) are not test sources.
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/libs/[^/]+/dist/'],
};

/** Files that start broker processes but predate the *.e2e.test.ts naming. */
const E2E_BY_PATH = ['**/apps/broker/test/consume/events.test.ts', '**/apps/broker/test/consume/records.test.ts'];

module.exports = {
  testTimeout: 60000,
  projects: [
    {
      ...base,
      displayName: 'unit',
      testMatch: ['**/test/**/*.test.ts'],
      testPathIgnorePatterns: [
        '\\.e2e\\.test\\.ts$',
        '\\.scale\\.test\\.ts$',
        '\\.alone\\.test\\.ts$',
        '/apps/broker/test/consume/(events|records)\\.test\\.ts$',
      ],
    },
    { ...base, displayName: 'e2e', testMatch: ['**/test/**/*.e2e.test.ts', ...E2E_BY_PATH] },
    { ...base, displayName: 'scale', testMatch: ['**/test/**/*.scale.test.ts'] },
    { ...base, displayName: 'alone', testMatch: ['**/test/**/*.alone.test.ts'] },
  ],
};

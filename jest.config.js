/** One jest config for the whole monorepo: test paths mirror source paths (libs/x/test, apps/x/test). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/apps'],
  testMatch: ['**/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', {
      jsc: {
        target: 'es2022',
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
      },
    }],
  },
  moduleNameMapper: {
    '^@runnel/([a-z-]+)$': '<rootDir>/libs/$1/src',
    '^@runnel/([a-z-]+)/(.*)$': '<rootDir>/libs/$1/src/$2',
  },
  testTimeout: 60000,
};

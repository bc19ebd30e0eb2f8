import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.e2e.ts'],
    exclude: ['node_modules/**'],
    globalSetup: [fileURLToPath(import.meta.resolve('@treaty/testing/global-setup'))],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});

import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-control-regex': 'off',
      // Only src/server.ts (and dev tooling) may read the process environment.
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through parseConfig(env) in src/config.ts.' }],
    },
  },
  {
    files: ['src/server.ts', 'src/doctor.ts', 'src/dev/**', 'test/**', 'scripts/**', 'bench/**', 'vitest*.config.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
);

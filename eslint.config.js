import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

/**
 * The layers of src/, lowest first (README "Layout"). A module may import its own layer and the ones below,
 * never one above; `import type` counts too. src/dev/ (the emulator and dev server) sits aside: it may import
 * anything, and nothing in src/ imports it.
 */
const LAYERS = [
  // Leaf kits: know nothing of Entra or sessions. config.ts (re-exporting src/config/) is the typed contract every layer reads.
  { name: 'kits', paths: ['src/errors.ts', 'src/url-credentials.ts', 'src/logger.ts', 'src/version.ts', 'src/config.ts', 'src/config', 'src/http', 'src/i18n', 'src/redis'] },
  { name: 'session', paths: ['src/session'] },
  // What bends Express, Node or express-session internals (docs/performance.md).
  { name: 'perf', paths: ['src/perf'] },
  { name: 'auth', paths: ['src/auth'] },
  { name: 'observability', paths: ['src/observability'] },
  { name: 'doctor', paths: ['src/doctor'] },
  // The doctor CLI: the checks and the version, never the server (it runs where the server may not start).
  { name: 'doctor CLI', paths: ['src/doctor.ts'] },
  { name: 'error-pages', paths: ['src/error-pages'] },
  { name: 'gateway', paths: ['src/gateway'] },
  { name: 'mha', paths: ['src/mha'] },
  { name: 'app', paths: ['src/app.ts'] },
  { name: 'start', paths: ['src/start.ts'] },
  { name: 'server entry point', paths: ['src/server.ts'] },
];

/**
 * The configuration still calls a few parsers that live above it: the certificate reader, the tenant-id and
 * registration explanations, the forwarded-header entries. They stay there because their own tests and callers
 * use them; moving the certificate reads would change how a bad certificate refuses the start
 * (src/config/README.md, "Key material"). Only these files, and only from src/config.ts and src/config/.
 */
const CONFIG_STILL_READS = {
  'src/auth': ['./client-credential.ts', './tenant-id.ts', './registration.ts'],
  'src/gateway': ['./forwarded-headers.ts'],
};

// The configuration: the re-export and the folder of sections it re-exports (src/config/README.md).
const CONFIG = ['src/config.ts', 'src/config'];

function layerZones() {
  const zones = [];
  LAYERS.forEach((layer, i) => {
    const above = LAYERS.slice(i + 1).flatMap((l) => l.paths).concat('src/dev');
    for (const from of above) {
      const except = CONFIG_STILL_READS[from];
      const message = `${layer.name} is below ${from}: import downward only (README "Layout").`;
      // The exception is the configuration's own; other layers get the plain zone (one message per import).
      if (except && CONFIG.some((p) => layer.paths.includes(p))) {
        zones.push({ target: layer.paths.filter((p) => !CONFIG.includes(p)), from, message });
        zones.push({ target: CONFIG, from, except, message });
      } else {
        zones.push({ target: layer.paths, from, message });
      }
    }
  });
  return zones;
}

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
  {
    // The layering check: no upward import, no import circle (type-only imports are not circles at run time).
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: layerZones() }],
      'import-x/no-cycle': 'error',
    },
  },
);

import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The layering rule of eslint.config.js (README "Layout"), run the way `npm run lint` runs it.
const eslint = new ESLint();
const LAYER_RULES = new Set(['import-x/no-restricted-paths', 'import-x/no-cycle']);

async function layeringProblems(patterns: string[]): Promise<string[]> {
  const results = await eslint.lintFiles(patterns);
  return results.flatMap((r) => r.messages.filter((m) => LAYER_RULES.has(m.ruleId ?? '')).map((m) => `${r.filePath}:${m.line} ${m.message}`));
}

async function lintAs(filePath: string, code: string): Promise<string[]> {
  const results = await eslint.lintText(code, { filePath });
  return results.flatMap((r) => r.messages.filter((m) => LAYER_RULES.has(m.ruleId ?? '')).map((m) => m.message));
}

describe('issue 16 item 1: the layers of src/', () => {
  it('issue 16 item 1: no module of src/ imports a layer above it, and no import circle', async () => {
    expect(await layeringProblems(['src/**/*.ts'])).toEqual([]);
  }, 120_000);

  it('issue 16 item 1: the rule refuses an upward import (a kit reaching into auth/ or the error pages)', async () => {
    expect(await lintAs('src/http/new-kit.ts', "import { explainEntraError } from '../auth/entra-errors.js';\nexport const x = explainEntraError;\n")).toHaveLength(1);
    expect(await lintAs('src/session/new.ts', "import type { OidcClient } from '../auth/oidc-client.js';\nexport type X = OidcClient;\n")).toHaveLength(1);
    expect(await lintAs('src/auth/new.ts', "import { errorHandler } from '../error-pages/error-handler.js';\nexport const x = errorHandler;\n")).toHaveLength(1);
    // The doctor CLI runs the checks without loading the server (VERSION has its own module).
    expect(await lintAs('src/doctor.ts', "import { VERSION } from './start.js';\nexport const v = VERSION;\n")).toHaveLength(1);
    expect(await lintAs('src/mha/new.ts', "import { createEmulator } from '../dev/emulator.js';\nexport const x = createEmulator;\n")).toHaveLength(1);
  }, 120_000);

  it('issue 16 item 1: a downward import passes', async () => {
    expect(await lintAs('src/auth/new.ts', "import { sanitizeReturnTo } from '../http/return-to.js';\nexport const x = sanitizeReturnTo;\n")).toEqual([]);
  }, 120_000);
});

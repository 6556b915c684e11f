import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVER = `${ROOT}dist/server.js`;
const SECRET = 'a-real-looking~secret.VALUE_that-must-never-print';

function run(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string; listened: boolean }> {
  return new Promise((resolve, reject) => {
    // A bare environment (plus PATH) and a cwd without .env, so nothing but `env` configures the child.
    const child = spawn(process.execPath, [SERVER], { cwd: `${ROOT}test`, env: { PATH: process.env['PATH'] ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, listened: stdout.includes('"listening"') });
    });
  });
}

describe('the built server with bad configuration', () => {
  it('exists (npm test builds it first)', () => {
    expect(existsSync(SERVER)).toBe(true);
  });

  it('exits non-zero before listening, naming the missing client id, without printing the secret', async () => {
    const result = await run({
      ENTRA_TENANT_ID: '4f1c9c2e-7a35-4c8e-9a59-2d3b8e5f6a71',
      ENTRA_CLIENT_SECRET: SECRET,
      PORT: '0',
    });
    expect(result.code).toBe(1);
    expect(result.listened).toBe(false);
    expect(result.stderr).toContain("ENTRA_CLIENT_ID: required; the Application (client) ID from the app's Overview page in Entra (a GUID)");
    expect(result.stderr + result.stdout).not.toContain(SECRET);
  });

  it('lists every problem at once', async () => {
    const result = await run({ NODE_ENV: 'production', ENTRA_TENANT_ID: 'consumers', ENTRA_CLIENT_ID: 'x', ENTRA_CLIENT_SECRET: SECRET, TRUST_PROXY: 'true' });
    expect(result.code).toBe(1);
    for (const name of ['ENTRA_TENANT_ID', 'ENTRA_CLIENT_ID', 'BASE_URL', 'SESSION_SECRET', 'TRUST_PROXY']) expect(result.stderr).toContain(`  - ${name}:`);
    expect(result.stderr).not.toContain(SECRET);
  });
});

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig, type Env } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { runDoctor } from '../../src/doctor/checks.js';
import { maskUrlCredentials } from '../../src/url-credentials.js';

const USER = 'admin-user';
const PASSWORD = 'hunter2';

const BASE: Env = {
  NODE_ENV: 'development',
  ENTRA_TENANT_ID: '4f1c9c2e-7a35-4c8e-9a59-2d3b8e5f6a71',
  ENTRA_CLIENT_ID: '0b6d6a1e-3c44-4a1f-8d6e-5e2b7c9f1a20',
  ENTRA_CLIENT_SECRET: 'a-client-secret-value-of-forty-characters',
};

// Bad values that carry credentials, each wrong in another way (so each reaches another message).
const BAD_HTTP_VALUES = [
  `https://${USER}:${PASSWORD}@mha.example.com`,
  `https://${USER}:${PASSWORD}@mha.example.com/some/path`,
  `http://${USER}:${PASSWORD}@remote.example.com`,
  `ftp://${USER}:${PASSWORD}@files.example.com`,
  `https://${USER}:${PASSWORD}@mha.example.com:99999`,
  `https://${USER}:${PASSWORD}/x@mha.example.com`,
  `https://${USER}:${PASSWORD}@more@mha.example.com`,
  `https://${USER}:${PASSWORD}%40x@mha.example.com`,
  `https://${USER}${PASSWORD}@mha.example.com`,
  `${USER}:${PASSWORD}@mha.example.com`,
  `  https://${USER}:${PASSWORD}@mha.example.com  `,
];

const URL_VARIABLES: ReadonlyArray<{ name: string; env?: Env; values: readonly string[] }> = [
  { name: 'BASE_URL', values: BAD_HTTP_VALUES },
  { name: 'BASE_URL', env: { NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40), TRUST_PROXY: '1' }, values: [`http://${USER}:${PASSWORD}@remote.example.com`, ...BAD_HTTP_VALUES] },
  { name: 'UPSTREAM_URL', values: BAD_HTTP_VALUES },
  { name: 'ENTRA_AUTHORITY_HOST', values: BAD_HTTP_VALUES },
  { name: 'ENTRA_GRAPH_HOST', values: BAD_HTTP_VALUES },
  {
    name: 'REDIS_URL',
    env: { SESSION_STORE: 'redis' },
    values: [
      `http://${USER}:${PASSWORD}@redis:6379`,
      `redis://${USER}:${PASSWORD}@redis:6379/0/extra`,
      `redis://${USER}:${PASSWORD}@redis:6379/0?x=1`,
      `rediss://${USER}:${PASSWORD}@redis:badport/0`,
      `redis://${USER}:${PASSWORD}/x@redis:6379/0`,
      `${USER}:${PASSWORD}@redis:6379`,
    ],
  },
];

function problemsOf(env: Env): readonly string[] {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems, err.message];
    throw err;
  }
  return [];
}

describe('issue 14 item 11: credentials in URL variables never reach a message', () => {
  for (const { name, env, values } of URL_VARIABLES) {
    it.each(values)(`issue 14 item 11: ${name}${env?.['NODE_ENV'] ? ` (${env['NODE_ENV']})` : ''} = %s: the message names ${name}, never the user name or password`, async (value) => {
      const full = { ...BASE, ...env, [name]: value };
      const problems = problemsOf(full);
      expect(problems.some((p) => p.startsWith(`${name}:`)), problems.join('\n')).toBe(true);
      for (const p of problems) {
        expect(p).not.toContain(PASSWORD);
        expect(p).not.toContain(USER);
      }
      // The doctor reports the same problems: its whole report, as printed, holds neither.
      const report = JSON.stringify(await runDoctor(full, { timeoutMs: 500 }));
      expect(report).toContain(name);
      expect(report).not.toContain(PASSWORD);
      expect(report).not.toContain(USER);
    });
  }

  it('issue 14 item 11: the server process names the variable on stderr without the credentials', async () => {
    const server = fileURLToPath(new URL('../../dist/server.js', import.meta.url));
    const child = spawn(process.execPath, [server], {
      cwd: fileURLToPath(new URL('../', import.meta.url)),
      env: { PATH: process.env['PATH'] ?? '', ...BASE, PORT: '0', UPSTREAM_URL: `https://${USER}:${PASSWORD}@backend.example.com/x`, BASE_URL: `ftp://${USER}:${PASSWORD}@mha.example.com` },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(output).toContain('  - UPSTREAM_URL:');
    expect(output).toContain('  - BASE_URL:');
    expect(output).not.toContain(PASSWORD);
    expect(output).not.toContain(USER);
  });
});

describe('maskUrlCredentials', () => {
  it.each([
    ['https://mha.example.com', 'https://mha.example.com'],
    ['https://mha.example.com/a@b', 'https://mha.example.com/a@b'],
    ['not a url', 'not a url'],
    ['https://u:p@h.example.com', 'https://***@h.example.com'],
    ['https://u:p/x@h.example.com', 'https://***@h.example.com'],
    ['https://u:p@q@h.example.com/x', 'https://***@h.example.com/x'],
    ['u:p@h.example.com', '***@h.example.com'],
    ['https://token@h.example.com', 'https://***@h.example.com'],
  ])('issue 14 item 11: %s reads %s', (raw, shown) => {
    expect(maskUrlCredentials(raw)).toBe(shown);
  });

  it.each([
    ['redis://:pw@redis:6379/0', 'redis://:***@redis:6379/0'],
    ['redis://user:pw@redis:6379/0', 'redis://***:***@redis:6379/0'],
    ['https://token@h.example.com/', 'https://***@h.example.com/'],
    ['redis://redis:6379/0', 'redis://redis:6379/0'],
  ])('issue 14 item 11: the parsed URL %s reads %s', (raw, shown) => {
    expect(maskUrlCredentials(new URL(raw))).toBe(shown);
  });
});

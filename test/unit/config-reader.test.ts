import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, levenshtein, parseConfig, Reader, renderProblem, typoWarnings, type Env } from '../../src/config.js';
import { runDoctor } from '../../src/doctor/checks.js';
import { ConfigError } from '../../src/errors.js';

const valid: Env = {
  ENTRA_TENANT_ID: '4f1c9c2e-7a35-4c8e-9a59-2d3b8e5f6a71',
  ENTRA_CLIENT_ID: '0c6b8f3e-2d4a-4e9b-8f7c-1a2b3c4d5e6f',
  ENTRA_CLIENT_SECRET: 'abc~DEF.ghi_jkl-mno123456789pqrstuvwxyz',
};

function reader(env: Env): Reader {
  return new Reader(env, new Set(Object.keys(env)));
}

function configError(env: Env): ConfigError {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('issue 16 item 3: the config reader', () => {
  it('reads whole numbers in a range, with the default when unset or blank, and one problem object when wrong', () => {
    const r = reader({ A: ' 42 ', B: '   ', C: '4.5', D: '99' });
    expect([r.int('A', 7, 1, 50), r.int('B', 7, 1, 50), r.int('C', 7, 1, 50), r.int('D', 7, 1, 50)]).toEqual([42, 7, 7, 7]);
    expect(r.problems).toEqual([
      { variable: 'C', message: 'expected a whole number from 1 to 50 (got "4.5")' },
      { variable: 'D', message: 'expected a whole number from 1 to 50 (got "99")' },
    ]);
  });

  it('reads booleans one way: true/1/yes/on and false/0/no/off in any case', () => {
    const r = reader({ A: 'TRUE', B: 'on', C: '0', D: 'No', E: 'maybe' });
    expect(['A', 'B', 'C', 'D', 'E', 'UNSET'].map((n) => (n === 'UNSET' ? r.bool('A', false) : r.bool(n, false)))).toEqual([true, true, false, false, false, true]);
    expect(r.problems.map(renderProblem)).toEqual(['E: expected true or false (got "maybe")']);
  });

  it('reads one of a few words, in lower case, and names the choices', () => {
    const r = reader({ A: 'Redis', B: 'disk' });
    expect(r.oneOf('A', ['memory', 'redis'], 'memory')).toBe('redis');
    expect(r.oneOf('B', ['memory', 'redis'], 'memory')).toBe('memory');
    expect(r.problems.map(renderProblem)).toEqual(['B: expected memory or redis (got "disk")']);
  });

  it('reads comma lists, trimmed, dropping empty entries unless asked to keep them', () => {
    const r = reader({ A: ' a, b ,,c ' });
    expect(r.list('A')).toEqual(['a', 'b', 'c']);
    expect(r.list('A', { keepEmpty: true })).toEqual(['a', 'b', '', 'c']);
    expect(r.problems).toEqual([]);
  });

  it('reads an origin, refuses paths and credentials without echoing a password, and http only on loopback when asked', () => {
    const r = reader({ A: 'https://x.example:8443', B: 'https://x.example/path', C: 'https://user:hunter2secret@x.example', D: 'http://x.example', E: 'http://127.0.0.1:9' });
    expect(r.origin('A')?.origin).toBe('https://x.example:8443');
    expect(r.origin('B')).toBeUndefined();
    expect(r.origin('C')).toBeUndefined();
    expect(r.origin('D', { httpsUnlessLoopback: true })).toBeUndefined();
    expect(r.origin('E', { httpsUnlessLoopback: true })?.origin).toBe('http://127.0.0.1:9');
    const lines = r.problems.map(renderProblem);
    expect(lines).toEqual([
      'B: expected only scheme, host and port, with no path, query or fragment (got "https://x.example/path")',
      expect.stringMatching(/^C: must not contain a user name or password \(got "/),
      'D: must use https; plain http is allowed only for a loopback host such as the emulator (got "http://x.example")',
    ]);
    expect(lines.join('\n')).not.toContain('hunter2secret');
  });

  it('refuses to read a variable no section declares (so the typo catcher\'s dictionary cannot fall behind)', () => {
    expect(() => new Reader({ X: '1' }, new Set()).string('X')).toThrow(/X is read but not declared/);
  });

  it('renders problems as today\'s exact "VARIABLE: message" lines, and ConfigError carries both forms', () => {
    const err = configError({ ...valid, PORT: 'abc', PASS_COOKIES: 'sure' });
    expect(err.problems).toEqual(['PORT: expected a whole number from 1 to 65535 (got "abc")', 'PASS_COOKIES: expected true or false (got "sure")']);
    expect(err.issues).toEqual([
      { variable: 'PORT', message: 'expected a whole number from 1 to 65535 (got "abc")' },
      { variable: 'PASS_COOKIES', message: 'expected true or false (got "sure")' },
    ]);
    expect(err.issues.map(renderProblem)).toEqual(err.problems);
  });

  it('lists every variable of .env.example among the sections\' variables, and each section\'s variables once', () => {
    const example = readFileSync('.env.example', 'utf8');
    const named = [...new Set([...example.matchAll(/^#?\s?([A-Z][A-Z0-9_]{2,})=/gm)].map((m) => m[1]!))];
    expect(named.length).toBeGreaterThan(30);
    expect(named.filter((n) => !CONFIG_VARIABLES.includes(n))).toEqual([]);
    expect(new Set(CONFIG_VARIABLES).size).toBe(CONFIG_VARIABLES.length);
  });

  it('keeps the client secret once: entra.clientSecret reads the credential and is not enumerable', () => {
    const c = parseConfig(valid);
    expect(c.entra.clientSecret).toBe(valid['ENTRA_CLIENT_SECRET']);
    expect(c.entra.credential).toEqual({ kind: 'secret', secret: valid['ENTRA_CLIENT_SECRET'] });
    expect(Object.keys(c.entra)).not.toContain('clientSecret');
    expect(JSON.stringify(c)).not.toContain(valid['ENTRA_CLIENT_SECRET']);
  });

  it('keeps the config folder free of process.env (parseConfig reads only the env it is given)', () => {
    for (const file of readdirSync('src/config')) {
      if (file.endsWith('.ts')) expect(readFileSync(`src/config/${file}`, 'utf8'), file).not.toMatch(/process\.env[.[]/);
    }
  });
});

describe('issue 16 item 3: the typo catcher', () => {
  it.each([
    ['SESSION_SECRETS', 'SESSION_SECRET'],
    ['ENTRA_TENNANT_ID', 'ENTRA_TENANT_ID'],
    ['ENRTA_TENANT_ID', 'ENTRA_TENANT_ID'],
    ['TRUST_PROXIES', 'TRUST_PROXY'],
    ['trust_proxy', 'TRUST_PROXY'],
    ['BASE_URI', 'BASE_URL'],
    ['UPSTREAM_PATH', 'UPSTREAM_PATHS'],
    ['REDIS_SENTINEL', 'REDIS_SENTINELS'],
    ['PORTS', 'PORT'],
    ['LOG_LEVLE', 'LOG_LEVEL'],
  ])('warns that %s is probably %s, and the server still starts', (typo, meant) => {
    const c = parseConfig({ ...valid, [typo]: 'x' });
    expect(c.warnings).toEqual([{ variable: typo, suggestion: meant, message: `\`${typo}\` is not a variable; did you mean \`${meant}\`?` }]);
  });

  it('says "`SESSION_SECRETS` is not a variable; did you mean `SESSION_SECRET`?" word for word', () => {
    expect(typoWarnings({ SESSION_SECRETS: 'x' }, CONFIG_VARIABLES).map((w) => w.message)).toEqual([
      '`SESSION_SECRETS` is not a variable; did you mean `SESSION_SECRET`?',
    ]);
  });

  it('leaves unrelated variables of a container, a shell or npm alone', () => {
    const unrelated = [
      'HOST', 'HOSTNAME', 'PATH', 'HOME', 'PWD', 'TERM', 'LANG', 'USER', 'SHELL', 'NODE_OPTIONS', 'NODE_PATH', 'NODE_EXTRA_CA_CERTS', 'TZ',
      'KUBERNETES_SERVICE_HOST', 'KUBERNETES_PORT', 'npm_config_cache', 'npm_lifecycle_event', 'EMULATOR_PORT', 'EMULATOR_FAULT',
      'BENCH_BASE_URL', 'AZURE_FEDERATED_TOKEN_FILE', 'AZURE_CLIENT_ID', 'AZURE_TENANT_ID', 'REDIS_HOST', 'REDIS_PORT', 'SESSION_MANAGER',
      'LOG_FORMAT', 'METRICS_PATH', 'BASE_PATH', 'HTTP_PROXY', 'NO_PROXY', 'CI', 'DEBUG', 'VITEST', 'PORT_NUMBER_OF_SOMETHING_ELSE',
    ];
    expect(typoWarnings(Object.fromEntries(unrelated.map((n) => [n, '1'])), CONFIG_VARIABLES)).toEqual([]);
    expect(parseConfig({ ...valid, ...Object.fromEntries(unrelated.map((n) => [n, '1'])) }).warnings).toEqual([]);
  });

  it('never warns about our own variables, whatever their value', () => {
    expect(typoWarnings(Object.fromEntries(CONFIG_VARIABLES.map((n) => [n, 'x'])), CONFIG_VARIABLES)).toEqual([]);
  });

  it('adds the hint to a refusal, where a misspelt name is often why a required one is missing, without making it a problem', () => {
    const err = configError({ ...valid, NODE_ENV: 'production', BASE_URL: 'https://mha.example.com', TRUST_PROXY: '1', SESSION_SECRETS: 's'.repeat(40) });
    expect(err.problems).toEqual(['SESSION_SECRET: required when NODE_ENV=production; at least 32 random characters (e.g. `openssl rand -base64 48`)']);
    expect(err.warnings.map((w) => w.message)).toEqual(['`SESSION_SECRETS` is not a variable; did you mean `SESSION_SECRET`?']);
    expect(err.message).toContain('  - `SESSION_SECRETS` is not a variable; did you mean `SESSION_SECRET`?');
    expect(err.message).not.toContain('s'.repeat(40));
  });

  it('shows the doctor a warning line with the fix, beside the configuration problems', async () => {
    const report = await runDoctor({ ...valid, PORT: 'abc', ENTRA_TENNANT_ID: 'x' });
    expect(report.checks.filter((c) => c.id === 'config')).toEqual([
      expect.objectContaining({ title: 'PORT', status: 'problem', message: 'expected a whole number from 1 to 65535 (got "abc")' }),
      expect.objectContaining({
        title: 'ENTRA_TENNANT_ID',
        status: 'warning',
        message: '`ENTRA_TENNANT_ID` is not a variable; did you mean `ENTRA_TENANT_ID`?',
        fix: [expect.stringContaining('Rename ENTRA_TENNANT_ID to ENTRA_TENANT_ID')],
      }),
    ]);
  });

  it('measures edit distance as Levenshtein does', () => {
    expect([levenshtein('kitten', 'sitting'), levenshtein('', 'abc'), levenshtein('abc', 'abc'), levenshtein('ab', 'ba'), levenshtein('abcdef', 'x', 3)]).toEqual([3, 3, 0, 2, 3]);
  });
});

describe('issue 16 item 3, merged with main: the sections main added since', () => {
  it('declares the branding variables (issue 15) in a section: their typos warn, their problems are issues naming the variable', () => {
    expect(CONFIG_VARIABLES).toEqual(expect.arrayContaining(['ORG_NAME', 'ORG_LOGO_URL', 'HELP_URL', 'PRIVACY_URL']));
    expect(parseConfig({ ...valid, ORG_NAMES: 'Contoso' }).warnings.map((w) => w.suggestion)).toEqual(['ORG_NAME']);
    const c = parseConfig({ ...valid, ORG_NAME: 'Contoso', HELP_URL: '/help' });
    expect(c.branding).toEqual({ orgName: 'Contoso', helpUrl: '/help' });
    const err = configError({ ...valid, PRIVACY_URL: 'http://contoso.example/privacy' });
    expect(err.issues.map((p) => p.variable)).toEqual(['PRIVACY_URL']);
    expect(err.problems[0]).toMatch(/^PRIVACY_URL: must use https, not http; /);
  });

  it('computes the gated prefixes once, from the paths table and UPSTREAM_PATHS, and names cookies from the cookie module', () => {
    const gateway = parseConfig({ ...valid, UPSTREAM_URL: 'http://backend:8080', UPSTREAM_PATHS: '/Reports,/mha' });
    expect(gateway.gatedPrefixes).toEqual(['/mha', '/api', '/reports']);
    expect(parseConfig(valid).gatedPrefixes).toEqual(['/mha', '/api']);
    const secure = parseConfig({ ...valid, BASE_URL: 'https://mha.example.com', TRUST_PROXY: '1' });
    expect([secure.session.cookieName, secure.loginTransaction.cookieName]).toEqual(['__Host-mha.sid', '__Host-mha.auth']);
  });
});

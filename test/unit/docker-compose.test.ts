import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig, type Env } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { parseYamlSubset, readCompose, type Yaml } from '../support/compose.js';
import { readmeSection } from '../support/readme.js';

// docker-compose.yml cannot run here (no Docker engine). What can be checked without it is: the app's
// environment passes the same validation the server runs at start, the settings the README promises are in
// the file, and nginx mounts the template test/integration/nginx.test.ts runs with Debian's nginx.

const compose = readCompose();
const services = compose['services'] as Record<string, Record<string, Yaml>>;
const app = services['app1']!;
const environment = app['environment'] as Record<string, string>;

/** What docs/production.md "docker compose" step 1 has the operator put in .env, with realistic values. */
const DOT_ENV: Env = {
  ENTRA_TENANT_ID: '4f1c9c2e-7a35-4c8e-9a59-2d3b8e5f6a71',
  ENTRA_CLIENT_ID: '0c6b8f3e-2d4a-4e9b-8f7c-1a2b3c4d5e6f',
  ENTRA_CLIENT_SECRET: 'a-client-secret-value~not-a-guid',
  SESSION_SECRET: 'a-long-random-session-secret-0123456789abcdef',
  BASE_URL: 'https://mha.example.com',
};

function problemsOf(env: Env): readonly string[] {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('docker-compose.yml: the app replicas', () => {
  it('runs both replicas from one definition that reads .env', () => {
    expect(services['app2']).toBe(app);
    expect(app['env_file']).toBe('.env');
  });

  it("has an environment that passes the server's own checks once .env supplies the five values README step 1 names", () => {
    // Alone, the compose environment lacks only what .env gives (compose's `environment` wins over `env_file`).
    const alone = problemsOf(environment);
    expect(alone.length).toBeGreaterThan(0);
    for (const problem of alone) expect(Object.keys(DOT_ENV), problem).toContain(problem.slice(0, problem.indexOf(':')));
    expect(problemsOf({ ...DOT_ENV, ...environment })).toEqual([]);

    const step1 = /^1\. (.*?)\n2\. /ms.exec(readmeSection('docker compose (two replicas, Redis, nginx with TLS)'))![1]!;
    const named = [...step1.matchAll(/`([A-Z_]+)(?:=[^`]*)?`/g)].map((m) => m[1]).sort();
    expect(named).toEqual(Object.keys(DOT_ENV).sort());
  });

  it('sets what the README says the compose file sets: the Redis store, one trusted proxy, metrics apart, the drain', () => {
    const config = parseConfig({ ...DOT_ENV, ...environment });
    expect(config.nodeEnv).toBe('production');
    expect(config.port).toBe(3000);
    expect(config.store).toMatchObject({ kind: 'redis', url: 'redis://redis:6379/0' });
    expect(config.trustProxy).toBe(1);
    expect(config.metricsPort).toBe(9100);
    expect(config.session.cookieName).toBe('__Host-mha.sid');
    // Docker's stop_grace_period must outlast the drain, or the replica is killed mid-request.
    const grace = Number(/^(\d+)s$/.exec(app['stop_grace_period'] as string)![1]) * 1000;
    expect(grace).toBeGreaterThan(config.http.shutdownDelayMs + config.http.shutdownTimeoutMs);
  });

  it('runs read-only with all capabilities dropped, a /tmp tmpfs, and publishes no port (metrics stay inside)', () => {
    expect(app['read_only']).toBe('true');
    expect(app['cap_drop']).toEqual(['ALL']);
    expect(app['tmpfs']).toEqual(['/tmp']);
    expect(app['security_opt']).toEqual(['no-new-privileges:true']);
    expect(app['ports']).toBeUndefined();
    expect(app['depends_on']).toEqual({ redis: { condition: 'service_healthy' } });
  });
});

describe('docker-compose.yml: Redis and nginx', () => {
  it('keeps an append-only file in a volume and never evicts a session', () => {
    const redis = services['redis']!;
    const command = redis['command'] as string[];
    expect(command.join(' ')).toContain('--appendonly yes');
    expect(command.join(' ')).toContain('--maxmemory-policy noeviction');
    expect(redis['volumes']).toEqual(['redis-data:/data']);
    expect(compose['volumes']).toEqual({ 'redis-data': null });
  });

  it('mounts the nginx template test/integration/nginx.test.ts runs, and points it at the replicas on PORT', () => {
    const nginx = services['nginx']!;
    expect(nginx['volumes']).toContain('./deploy/nginx/templates:/etc/nginx/templates:ro');
    // The official image renders /etc/nginx/templates/*.template into conf.d: this is the file the test renders.
    expect(existsSync(fileURLToPath(new URL('../../deploy/nginx/templates/default.conf.template', import.meta.url)))).toBe(true);
    expect(nginx['ports']).toEqual(['443:443', '80:80']);
    const env = nginx['environment'] as Record<string, string>;
    expect([env['MHA_APP_1'], env['MHA_APP_2']]).toEqual([`app1:${environment['PORT']}`, `app2:${environment['PORT']}`]);
  });
});

describe('the YAML subset reader', () => {
  it('reads anchors, aliases, flow and block sequences, quotes and comments', () => {
    const doc = parseYamlSubset('# c\nx: &a\n  k: "1" # note\n  l: [A, "b c"]\nsvc:\n  one: *a\n  list:\n    - p:q\n    - \'it\'\'s\'\n');
    expect(doc).toEqual({ x: { k: '1', l: ['A', 'b c'] }, svc: { one: { k: '1', l: ['A', 'b c'] }, list: ['p:q', "it's"] } });
  });

  it('refuses what it does not understand instead of guessing', () => {
    expect(() => parseYamlSubset('a:\n  - b: c\n')).toThrow(/outside the subset/);
    expect(() => parseYamlSubset('a: *missing\n')).toThrow(/unknown alias/);
    expect(() => parseYamlSubset('a: |\n  text\n')).toThrow(/outside the subset/);
    expect(() => parseYamlSubset('a: 1\na: 2\n')).toThrow(/duplicate key/);
  });
});

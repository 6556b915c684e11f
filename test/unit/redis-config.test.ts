import { describe, expect, it } from 'vitest';
import { parseConfig, redactedConfig, type Env } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

// Issue 19, "Scale out": REDIS_MODE=standalone|sentinel|cluster.
const BASE: Env = {
  ENTRA_TENANT_ID: '4f1c9c2e-7a35-4c8e-9a59-2d3b8e5f6a71',
  ENTRA_CLIENT_ID: '0c6b8f3e-2d4a-4e9b-8f7c-1a2b3c4d5e6f',
  ENTRA_CLIENT_SECRET: 'a-client-secret-value~not-a-guid',
  SESSION_STORE: 'redis',
};

function problemsOf(env: Env): readonly string[] {
  try {
    parseConfig({ ...BASE, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('REDIS_MODE', () => {
  it('defaults to one server; REDIS_PASSWORD goes into the URL and is never printed', () => {
    const config = parseConfig({ ...BASE, REDIS_URL: 'redis://redis:6379/1', REDIS_PASSWORD: 'p@ss word' });
    expect(config.store).toMatchObject({ kind: 'redis', mode: 'standalone', target: { mode: 'standalone' }, keyPrefix: 'mha:' });
    if (config.store.kind !== 'redis' || config.store.target.mode !== 'standalone') throw new Error('standalone expected');
    expect(new URL(config.store.target.url).password).toBe('p%40ss%20word');
    expect(JSON.stringify(config)).not.toContain('ss%20word');
    expect(redactedConfig(config)['sessionStore']).toEqual({ kind: 'redis', url: 'redis://:***@redis:6379/1', keyPrefix: 'mha:' });
  });

  it('reads sentinels, the master name, and the credentials, database and TLS from REDIS_URL', () => {
    const config = parseConfig({
      ...BASE,
      REDIS_MODE: 'Sentinel',
      REDIS_SENTINELS: 'sentinel-1:26379, 10.0.0.2:26380,[::1]:26381',
      REDIS_SENTINEL_MASTER: 'mymaster',
      REDIS_URL: 'rediss://app:s3cret-pass@mymaster/3',
    });
    expect(config.store).toMatchObject({
      kind: 'redis',
      mode: 'sentinel',
      safeUrl: 'sentinel master "mymaster" via sentinel-1:26379,10.0.0.2:26380,::1:26381 (TLS)',
      target: {
        mode: 'sentinel',
        masterName: 'mymaster',
        sentinels: [
          { host: 'sentinel-1', port: 26379 },
          { host: '10.0.0.2', port: 26380 },
          { host: '::1', port: 26381 },
        ],
        username: 'app',
        password: 's3cret-pass',
        database: 3,
        tls: true,
      },
    });
    expect(JSON.stringify(config)).not.toContain('s3cret-pass');
    expect(JSON.stringify(redactedConfig(config))).not.toContain('s3cret-pass');
  });

  it('takes the sentinel password from REDIS_PASSWORD when there is no REDIS_URL', () => {
    const config = parseConfig({ ...BASE, REDIS_MODE: 'sentinel', REDIS_SENTINELS: 's:26379', REDIS_SENTINEL_MASTER: 'm', REDIS_PASSWORD: 'pw-123456' });
    expect(config.store).toMatchObject({ target: { mode: 'sentinel', password: 'pw-123456', database: 0, tls: false } });
    expect(JSON.stringify(config)).not.toContain('pw-123456');
  });

  it('reads a cluster from a comma list of seeds, with one password', () => {
    const config = parseConfig({ ...BASE, REDIS_MODE: 'cluster', REDIS_URL: 'redis://:pw-abcdef@node-1:7000,redis://node-2:7001/0, redis://node-3' });
    expect(config.store).toMatchObject({
      mode: 'cluster',
      safeUrl: 'cluster via redis://:***@node-1:7000,redis://node-2:7001/0,redis://node-3',
      target: {
        mode: 'cluster',
        nodes: [
          { host: 'node-1', port: 7000 },
          { host: 'node-2', port: 7001 },
          { host: 'node-3', port: 6379 },
        ],
        password: 'pw-abcdef',
        tls: false,
      },
    });
    expect(redactedConfig(config)['sessionStore']).toEqual({ kind: 'redis', mode: 'cluster', url: 'cluster via redis://:***@node-1:7000,redis://node-2:7001/0,redis://node-3', keyPrefix: 'mha:' });
    expect(JSON.stringify(config)).not.toContain('pw-abcdef');
  });

  it.each<[string, Env, string[]]>([
    ['an unknown mode', { REDIS_MODE: 'replicated', REDIS_URL: 'redis://r:6379' }, ['REDIS_MODE: expected standalone, sentinel or cluster (got "replicated")']],
    [
      'sentinel without sentinels or a master name',
      { REDIS_MODE: 'sentinel' },
      [
        'REDIS_SENTINELS: required when REDIS_MODE=sentinel, as host:port,host:port,... (the sentinels, usually three, port 26379)',
        "REDIS_SENTINEL_MASTER: required when REDIS_MODE=sentinel: the master's name in the sentinels' configuration (sentinel monitor <name> ...), e.g. mymaster",
      ],
    ],
    [
      'a sentinel without a port',
      { REDIS_MODE: 'sentinel', REDIS_SENTINELS: 's1:26379,s2', REDIS_SENTINEL_MASTER: 'm' },
      ['REDIS_SENTINELS: expected host:port,host:port,... (the sentinels, usually three, port 26379) (got "s2")'],
    ],
    ['a bad master name', { REDIS_MODE: 'sentinel', REDIS_SENTINELS: 's:1', REDIS_SENTINEL_MASTER: 'my master' }, ['REDIS_SENTINEL_MASTER: expected 1 to 64 letters, digits or . _ - (got "my master")']],
    ['sentinel settings in another mode', { REDIS_URL: 'redis://r:6379', REDIS_SENTINELS: 's:26379' }, ['REDIS_SENTINELS: set, but REDIS_MODE is not sentinel']],
    ['two passwords', { REDIS_URL: 'redis://:one-password@r:6379', REDIS_PASSWORD: 'two-password' }, ['REDIS_PASSWORD: set, and REDIS_URL carries a password too; keep one']],
    [
      'a cluster without seeds',
      { REDIS_MODE: 'cluster' },
      ['REDIS_URL: required when REDIS_MODE=cluster: a comma list of seed nodes, e.g. redis://node-1:6379,redis://node-2:6379,redis://node-3:6379'],
    ],
    ['a cluster seed with a database', { REDIS_MODE: 'cluster', REDIS_URL: 'redis://a:7000,redis://b:7001/2' }, ['REDIS_URL (seed 2): a cluster has only database 0; give host and port only (got "redis://b:7001/2")']],
    ['seeds with different passwords', { REDIS_MODE: 'cluster', REDIS_URL: 'redis://:pw-one@a:7000,redis://:pw-two@b:7001' }, ['REDIS_URL: the seeds carry different user names or passwords; a cluster has one']],
    ['TLS on some seeds only', { REDIS_MODE: 'cluster', REDIS_URL: 'rediss://a:7000,redis://b:7001' }, ['REDIS_URL: mixes redis:// and rediss:// seeds; a cluster is all TLS or none']],
  ])('refuses %s with exact messages', (_name, env, messages) => {
    expect(problemsOf(env)).toEqual(messages);
  });

  it('refuses the Redis settings with the memory store', () => {
    expect(problemsOf({ SESSION_STORE: 'memory', REDIS_MODE: 'cluster', REDIS_PASSWORD: 'x' })).toEqual([
      'REDIS_MODE: set, but SESSION_STORE is not redis; set SESSION_STORE=redis to share sessions through Redis',
      'REDIS_PASSWORD: set, but SESSION_STORE is not redis; set SESSION_STORE=redis to share sessions through Redis',
    ]);
  });

  it('never echoes a password in any message', () => {
    const problems = problemsOf({ REDIS_MODE: 'cluster', REDIS_URL: 'redis://:pw-one-secret@a:7000/5,redis://:pw-two-secret@b:7001' });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join()).not.toMatch(/pw-(one|two)-secret/);
  });
});

import { describe, expect, it } from 'vitest';
import { parseConfig, redactedConfig, type Env } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

const BASE: Env = {
  ENTRA_TENANT_ID: '4f1c9c2e-7a35-4c8e-9a59-2d3b8e5f6a71',
  ENTRA_CLIENT_ID: '0c6b8f3e-2d4a-4e9b-8f7c-1a2b3c4d5e6f',
  ENTRA_CLIENT_SECRET: 'a-client-secret-value~not-a-guid',
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

describe('operations settings', () => {
  it('defaults to the memory store, metrics on PORT, 120 sign-in requests per minute per client, 10 s drain', () => {
    const config = parseConfig(BASE);
    expect(config.store).toEqual({ kind: 'memory' });
    expect(config.metricsPort).toBeUndefined();
    expect(config.rateLimit).toEqual({ max: 120, windowMs: 60_000, ipv6PrefixBits: 64 });
    expect(config.http).toMatchObject({ shutdownTimeoutMs: 10_000, shutdownDelayMs: 0, headersTimeoutMs: 20_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 65_000 });
  });

  it('reads the Redis store with its default prefix and keeps the password out of logs', () => {
    const config = parseConfig({ ...BASE, SESSION_STORE: 'redis', REDIS_URL: 'rediss://:s3cret-pass@redis.example.com:6380/2' });
    expect(config.store).toMatchObject({ kind: 'redis', url: 'rediss://:s3cret-pass@redis.example.com:6380/2', keyPrefix: 'mha:' });
    expect(JSON.stringify(config)).not.toContain('s3cret-pass');
    expect(JSON.stringify(redactedConfig(config))).not.toContain('s3cret-pass');
    expect(redactedConfig(config)['sessionStore']).toEqual({ kind: 'redis', url: 'rediss://:***@redis.example.com:6380/2', keyPrefix: 'mha:' });
  });

  it.each<[string, Env, string]>([
    ['an unknown store', { SESSION_STORE: 'memcached' }, 'SESSION_STORE: expected memory or redis (got "memcached")'],
    [
      'redis without a URL',
      { SESSION_STORE: 'redis' },
      'REDIS_URL: required when SESSION_STORE=redis, e.g. redis://redis:6379/0 or rediss://:password@redis.example.com:6380/0',
    ],
    ['a URL that does not parse', { SESSION_STORE: 'redis', REDIS_URL: 'not a url :pass' }, 'REDIS_URL: expected a URL like redis://host:6379/0 (the value is not shown: it may hold a password)'],
    ['another scheme (password masked)', { SESSION_STORE: 'redis', REDIS_URL: 'http://:hunter2hunter2@redis:6379' }, 'REDIS_URL: expected redis:// or rediss:// (TLS) (got "http://:***@redis:6379/")'],
    ['a path that is not a database number', { SESSION_STORE: 'redis', REDIS_URL: 'redis://redis:6379/sessions' }, 'REDIS_URL: the path may only be a database number such as /0 (got "redis://redis:6379/sessions")'],
    ['a URL with the memory store', { REDIS_URL: 'redis://redis:6379/0' }, 'REDIS_URL: set, but SESSION_STORE is not redis; set SESSION_STORE=redis to share sessions through Redis'],
    ['a bad key prefix', { SESSION_STORE: 'redis', REDIS_URL: 'redis://redis:6379/0', REDIS_KEY_PREFIX: 'has space' }, 'REDIS_KEY_PREFIX: expected 1 to 64 letters, digits or : . _ - (got "has space")'],
    ['a metrics port that is not a port', { METRICS_PORT: '70000' }, 'METRICS_PORT: expected a whole number from 1 to 65535 (got "70000")'],
    ['the metrics port equal to PORT', { PORT: '8080', METRICS_PORT: '8080' }, 'METRICS_PORT: must differ from PORT (8080); leave it unset to serve /metrics on PORT'],
    ['a negative rate limit', { RATE_LIMIT_AUTH_MAX: '-1' }, 'RATE_LIMIT_AUTH_MAX: expected a whole number from 0 to 100000 (got "-1")'],
    ['a zero window', { RATE_LIMIT_WINDOW_SECONDS: '0' }, 'RATE_LIMIT_WINDOW_SECONDS: expected a whole number from 1 to 3600 (got "0")'],
    ['a zero drain', { SHUTDOWN_TIMEOUT_SECONDS: '0' }, 'SHUTDOWN_TIMEOUT_SECONDS: expected a whole number from 1 to 600 (got "0")'],
    ['a drain delay in words', { SHUTDOWN_DELAY_SECONDS: 'five' }, 'SHUTDOWN_DELAY_SECONDS: expected a whole number from 0 to 120 (got "five")'],
    ['an Entra timeout of zero', { ENTRA_HTTP_TIMEOUT_SECONDS: '0' }, 'ENTRA_HTTP_TIMEOUT_SECONDS: expected a whole number from 1 to 60 (got "0")'],
  ])('refuses %s with an exact message', (_name, env, message) => {
    expect(problemsOf(env)).toEqual([message]);
  });

  it('never echoes a REDIS_URL password in any message', () => {
    const problems = problemsOf({ SESSION_STORE: 'redis', REDIS_URL: 'redis://user:pw-abcdef@redis:6379/banana' });
    expect(problems).toHaveLength(1);
    expect(problems.join()).not.toContain('pw-abcdef');
  });

  it('reports every operations problem at once', () => {
    expect(problemsOf({ SESSION_STORE: 'redis', METRICS_PORT: 'x', RATE_LIMIT_AUTH_MAX: 'y' })).toHaveLength(3);
  });

  it('accepts METRICS_PORT, a rate limit of 0 (off) and the drain settings', () => {
    const config = parseConfig({ ...BASE, METRICS_PORT: '9100', RATE_LIMIT_AUTH_MAX: '0', RATE_LIMIT_WINDOW_SECONDS: '10', SHUTDOWN_TIMEOUT_SECONDS: '25', SHUTDOWN_DELAY_SECONDS: '5' });
    expect(config.metricsPort).toBe(9100);
    expect(config.rateLimit).toEqual({ max: 0, windowMs: 10_000, ipv6PrefixBits: 64 });
    expect(config.http.shutdownTimeoutMs).toBe(25_000);
    expect(config.http.shutdownDelayMs).toBe(5_000);
    expect(config.entra.httpTimeoutSeconds).toBe(10);
    expect(parseConfig({ ...BASE, ENTRA_HTTP_TIMEOUT_SECONDS: '3' }).entra.httpTimeoutSeconds).toBe(3);
  });
});

import { describe, expect, it } from 'vitest';
import { apacheConfig } from '../../bench/apache.js';
import { withoutKeepAlive } from '../../bench/nginx.js';
import { parseProcStat, treeTicks } from '../../bench/proc.js';
import { README_AUTH_CHECK_HEADING } from '../support/nginx.js';
import { readmeSnippet } from '../support/readme.js';

// A real /proc/<pid>/stat line's shape (Linux 6.x), with a command name holding a space and parentheses.
const STAT = '4242 (apache2 (x) y) S 4000 4242 4242 0 -1 4194560 1234 0 0 0 157 43 12 8 20 0 65 0 987654 123456789 2345 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 0 0 0 0 0 0';

describe('issue 19: CPU of a native target from /proc (bench/proc.ts)', () => {
  it('reads pid, ppid, utime+stime and cutime+cstime, counting fields from the last ")"', () => {
    expect(parseProcStat(STAT)).toEqual({ pid: 4242, ppid: 4000, ownTicks: 157 + 43, reapedTicks: 12 + 8 });
  });

  it('refuses a line that is not a stat line', () => {
    expect(() => parseProcStat('garbage')).toThrow(/not a \/proc/);
    expect(() => parseProcStat('1 (x) S 0')).toThrow(/field/);
  });

  it('sums a process, its descendants and what they reaped, and nothing outside the tree', () => {
    const stats = [
      { pid: 10, ppid: 1, ownTicks: 5, reapedTicks: 2 }, // Apache's parent: its reaped children count too
      { pid: 11, ppid: 10, ownTicks: 100, reapedTicks: 0 }, // its child (the threads' work)
      { pid: 12, ppid: 11, ownTicks: 7, reapedTicks: 0 }, // a grandchild
      { pid: 20, ppid: 1, ownTicks: 1000, reapedTicks: 0 }, // someone else
    ];
    expect(treeTicks(10, stats)).toBe(5 + 2 + 100 + 7);
    expect(treeTicks(11, stats)).toBe(107);
    expect(() => treeTicks(99, stats)).toThrow(/gone/);
  });
});

describe('issue 19: the mod_auth_openidc target config (bench/apache.ts)', () => {
  const common = {
    dir: '/tmp/x',
    port: 4321,
    metadataUrl: 'http://127.0.0.1:9/tenant/v2.0/.well-known/openid-configuration',
    clientId: 'client',
    clientSecret: 'secret',
    backend: 'http://127.0.0.1:5555',
    prefix: '/mha/',
    passphrase: 'pass',
  };

  it('runs from its own directory and port, mpm_event, modules loaded by path', () => {
    const conf = apacheConfig({ ...common, cache: { type: 'shm' } });
    expect(conf).toMatch(/^ServerRoot "\/tmp\/x"$/m);
    expect(conf).toMatch(/^Listen 127\.0\.0\.1:4321$/m);
    expect(conf).toMatch(/^PidFile "\/tmp\/x\/httpd\.pid"$/m);
    expect(conf).toMatch(/^LoadModule mpm_event_module \/usr\/lib\/apache2\/modules\/mod_mpm_event\.so$/m);
    expect(conf).toMatch(/^LoadModule auth_openidc_module \/usr\/lib\/apache2\/modules\/mod_auth_openidc\.so$/m);
    expect(conf).not.toMatch(/^Include/m);
    expect(conf).not.toMatch(/^User /m);
  });

  it('gates the prefix with openid-connect and proxies it to the backend, with the redirect URI inside a gated location', () => {
    const conf = apacheConfig({ ...common, cache: { type: 'shm' } });
    expect(conf).toMatch(/^OIDCRedirectURI http:\/\/127\.0\.0\.1:4321\/oidc\/callback$/m);
    expect(conf).toMatch(/<Location "\/oidc\/callback">\s+AuthType openid-connect\s+Require valid-user\s+<\/Location>/);
    expect(conf).toMatch(/<Location "\/mha\/">\s+AuthType openid-connect\s+Require valid-user\s+<\/Location>/);
    expect(conf).toMatch(/^ProxyPass "\/mha\/" "http:\/\/127\.0\.0\.1:5555\/mha\/"$/m);
    expect(conf).toMatch(/^OIDCProviderMetadataURL http:\/\/127\.0\.0\.1:9\/tenant\/v2\.0\/\.well-known\/openid-configuration$/m);
  });

  it('uses the shared-memory cache or the Redis cache, as asked', () => {
    const shm = apacheConfig({ ...common, cache: { type: 'shm' } });
    expect(shm).toMatch(/^OIDCCacheType shm$/m);
    expect(shm).not.toMatch(/OIDCRedisCacheServer/);
    const redis = apacheConfig({ ...common, cache: { type: 'redis', server: '127.0.0.1:6390' }, user: 'www-data' });
    expect(redis).toMatch(/^OIDCCacheType redis$/m);
    expect(redis).toMatch(/^OIDCRedisCacheServer 127\.0\.0\.1:6390$/m);
    expect(redis).toMatch(/^User www-data$/m);
  });
});

describe("issue 19: the bench's nginx row without keep-alive (bench/nginx.ts)", () => {
  it('drops exactly the keep-alive lines of the README snippet and keeps every other line', () => {
    const snippet = readmeSnippet(README_AUTH_CHECK_HEADING, 'nginx');
    const stripped = withoutKeepAlive(snippet);
    expect(stripped).not.toMatch(/keepalive|proxy_http_version|Connection ""/);
    const removed = snippet.split('\n').filter((line) => !stripped.split('\n').includes(line));
    expect(removed.map((l) => l.trim()).sort()).toEqual([
      'keepalive 32;',
      'keepalive 32;',
      'proxy_http_version 1.1;',
      'proxy_http_version 1.1;',
      'proxy_http_version 1.1;',
      'proxy_set_header Connection "";',
      'proxy_set_header Connection "";',
      'proxy_set_header Connection "";',
    ]);
    expect(stripped.split('\n')).toHaveLength(snippet.split('\n').length - 8);
  });
});

import { describe, expect, it } from 'vitest';
import { clientKey } from '../../src/http/client-address.js';
import { parseConfig, redactedConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

describe('issue 14 item 10: the key a client is counted under', () => {
  it.each([
    ['198.51.100.7', 64, '198.51.100.7'],
    ['::ffff:198.51.100.7', 64, '198.51.100.7'],
    ['::FFFF:c633:6407', 64, '198.51.100.7'],
    ['2001:db8:1:2:3:4:5:6', 64, '2001:db8:1:2:0:0:0:0/64'],
    ['2001:db8:1:2:ffff:ffff:ffff:ffff', 64, '2001:db8:1:2:0:0:0:0/64'],
    ['2001:DB8:1:2::1', 64, '2001:db8:1:2:0:0:0:0/64'],
    ['2001:db8:1:2::1%eth0', 64, '2001:db8:1:2:0:0:0:0/64'],
    ['2001:db8:1:3::1', 64, '2001:db8:1:3:0:0:0:0/64'],
    ['2001:db8:1:2:3:4:5:6', 48, '2001:db8:1:0:0:0:0:0/48'],
    ['2001:db8:1:2:3:4:5:6', 56, '2001:db8:1:0:0:0:0:0/56'],
    ['2001:db8:1:2ff:3:4:5:6', 56, '2001:db8:1:200:0:0:0:0/56'],
    ['2001:db8:1:2:3:4:5:6', 128, '2001:db8:1:2:3:4:5:6/128'],
    ['2001:db8::1.2.3.4', 128, '2001:db8:0:0:0:0:102:304/128'],
    ['::1', 64, '0:0:0:0:0:0:0:0/64'],
    ['::', 64, '0:0:0:0:0:0:0:0/64'],
    ['fe80::1', 10, 'fe80:0:0:0:0:0:0:0/10'],
    ['not-an-address', 64, 'not-an-address'],
    [undefined, 64, 'unknown'],
  ] as const)('issue 14 item 10: %s with a /%i prefix counts as %s', (address, bits, key) => {
    expect(clientKey(address, bits)).toBe(key);
  });

  it('issue 14 item 10: every address of one /64 is one client; the next /64 is another', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const suffix = Array.from({ length: 4 }, () => Math.floor(Math.random() * 0x10000).toString(16)).join(':');
      keys.add(clientKey(`2001:db8:aa:bb:${suffix}`, 64));
    }
    expect([...keys]).toEqual(['2001:db8:aa:bb:0:0:0:0/64']);
    expect(clientKey('2001:db8:aa:bc::1', 64)).not.toBe([...keys][0]);
  });
});

describe('issue 14 item 10: the limits in the configuration', () => {
  const BASE = {
    ENTRA_TENANT_ID: '4f1c9c2e-7a35-4c8e-9a59-2d3b8e5f6a71',
    ENTRA_CLIENT_ID: '0b6d6a1e-3c44-4a1f-8d6e-5e2b7c9f1a20',
    ENTRA_CLIENT_SECRET: 'a-client-secret-value-of-forty-characters',
  };
  const problems = (env: Record<string, string>): readonly string[] => {
    try {
      parseConfig({ ...BASE, ...env });
      return [];
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
  };

  it('issue 14 item 10: defaults to a /64 per IPv6 client, 100 pending sign-ins per client and 10,000 in total', () => {
    const config = parseConfig(BASE);
    expect(config.rateLimit.ipv6PrefixBits).toBe(64);
    expect(config.loginTransaction).toMatchObject({ maxPerClient: 100, maxPending: 10_000 });
    expect(redactedConfig(config)['pendingLogins']).toEqual({ perClient: 100, total: 10_000 });
  });

  it('issue 14 item 10: reads RATE_LIMIT_IPV6_PREFIX, LOGIN_PENDING_PER_CLIENT and LOGIN_PENDING_MAX', () => {
    const config = parseConfig({ ...BASE, RATE_LIMIT_IPV6_PREFIX: '56', LOGIN_PENDING_PER_CLIENT: '5', LOGIN_PENDING_MAX: '500' });
    expect(config.rateLimit.ipv6PrefixBits).toBe(56);
    expect(config.loginTransaction).toMatchObject({ maxPerClient: 5, maxPending: 500 });
  });

  it.each([
    [{ RATE_LIMIT_IPV6_PREFIX: '16' }, 'RATE_LIMIT_IPV6_PREFIX: expected a whole number from 32 to 128 (got "16")'],
    [{ RATE_LIMIT_IPV6_PREFIX: '/64' }, 'RATE_LIMIT_IPV6_PREFIX: expected a whole number from 32 to 128 (got "/64")'],
    [{ LOGIN_PENDING_PER_CLIENT: '0' }, 'LOGIN_PENDING_PER_CLIENT: expected a whole number from 1 to 100000 (got "0")'],
    [{ LOGIN_PENDING_MAX: '5' }, 'LOGIN_PENDING_MAX: expected a whole number from 10 to 1000000 (got "5")'],
    [{ LOGIN_PENDING_PER_CLIENT: '200', LOGIN_PENDING_MAX: '100' }, 'LOGIN_PENDING_PER_CLIENT: must not exceed LOGIN_PENDING_MAX (100); one client could then fill the whole store'],
  ])('issue 14 item 10: refuses %o', (env, message) => {
    expect(problems(env)).toEqual([message]);
  });
});

import { maskUrlCredentials } from '../url-credentials.js';

/**
 * SESSION_STORE=redis's settings, parsed once by parseConfig (src/config/session.ts): which Redis topology
 * (REDIS_MODE), where it is, and its credentials. No password is ever echoed back in a problem or a
 * description; the objects holding one hide it from enumeration (a stray log of the config cannot print it).
 */

export type RedisMode = 'standalone' | 'sentinel' | 'cluster';

export interface RedisNodeAddress {
  readonly host: string;
  readonly port: number;
}

/** Where the data lives and how to log in to it. Passwords are non-enumerable properties. */
export type RedisTarget =
  | { readonly mode: 'standalone'; readonly url: string }
  | {
      readonly mode: 'sentinel';
      /** The master's name as the sentinels know it (REDIS_SENTINEL_MASTER). */
      readonly masterName: string;
      readonly sentinels: readonly RedisNodeAddress[];
      readonly username?: string;
      readonly password?: string;
      readonly database: number;
      readonly tls: boolean;
    }
  | {
      readonly mode: 'cluster';
      /** Seed nodes: any reachable one tells the client the whole cluster. */
      readonly nodes: readonly RedisNodeAddress[];
      readonly username?: string;
      readonly password?: string;
      readonly tls: boolean;
    };

export interface RedisStoreConfig {
  readonly kind: 'redis';
  readonly mode: RedisMode;
  /** REDIS_URL as given (standalone: with REDIS_PASSWORD folded in). Carries the password: not enumerable. */
  readonly url: string;
  /** What to print: the URL(s) with any password replaced, or the sentinels and the master's name. */
  readonly safeUrl: string;
  readonly keyPrefix: string;
  readonly target: RedisTarget;
}

const MODES: readonly string[] = ['standalone', 'sentinel', 'cluster'];
const KEY_PREFIX = /^[A-Za-z0-9:._-]{1,64}$/;
const MASTER_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** The Redis part of parseConfig. `value` reads one variable; problems are collected, never thrown. */
export function parseRedisStore(value: (name: string) => string | undefined, problems: string[]): RedisStoreConfig | undefined {
  const modeRaw = value('REDIS_MODE');
  const mode = (modeRaw ?? 'standalone').toLowerCase() as RedisMode;
  if (!MODES.includes(mode)) {
    problems.push(`REDIS_MODE: expected standalone, sentinel or cluster (got "${modeRaw}")`);
    return undefined;
  }
  for (const name of ['REDIS_SENTINELS', 'REDIS_SENTINEL_MASTER']) {
    if (mode !== 'sentinel' && value(name) !== undefined) problems.push(`${name}: set, but REDIS_MODE is not sentinel`);
  }
  const keyPrefix = value('REDIS_KEY_PREFIX') ?? 'mha:';
  if (!KEY_PREFIX.test(keyPrefix)) {
    problems.push(`REDIS_KEY_PREFIX: expected 1 to 64 letters, digits or : . _ - (got "${keyPrefix}")`);
  }
  const extraPassword = value('REDIS_PASSWORD');
  if (extraPassword === '') problems.push('REDIS_PASSWORD: set but empty; unset it, or give the password');
  const urlRaw = value('REDIS_URL');

  if (mode === 'standalone') {
    if (urlRaw === undefined) {
      problems.push('REDIS_URL: required when SESSION_STORE=redis, e.g. redis://redis:6379/0 or rediss://:password@redis.example.com:6380/0');
      return undefined;
    }
    const url = parseRedisUrl(urlRaw, 'REDIS_URL', problems, { database: true });
    if (!url) return undefined;
    if (extraPassword) {
      if (url.password) problems.push('REDIS_PASSWORD: set, and REDIS_URL carries a password too; keep one');
      else url.password = encodeURIComponent(extraPassword);
    }
    const target = hidden({ mode: 'standalone' as const, url: url.href }, 'url');
    return hidden({ kind: 'redis' as const, mode, url: url.href, safeUrl: maskUrlCredentials(url), keyPrefix, target }, 'url');
  }

  if (mode === 'sentinel') {
    const sentinels = parseNodeList(value('REDIS_SENTINELS'), 'REDIS_SENTINELS', 'host:port,host:port,... (the sentinels, usually three, port 26379)', problems);
    const masterName = value('REDIS_SENTINEL_MASTER');
    if (masterName === undefined) problems.push('REDIS_SENTINEL_MASTER: required when REDIS_MODE=sentinel: the master\'s name in the sentinels\' configuration (sentinel monitor <name> ...), e.g. mymaster');
    else if (!MASTER_NAME.test(masterName)) problems.push(`REDIS_SENTINEL_MASTER: expected 1 to 64 letters, digits or . _ - (got "${masterName}")`);
    // REDIS_URL is optional here and only carries what the sentinels cannot say: credentials, database, TLS.
    const url = urlRaw === undefined ? undefined : parseRedisUrl(urlRaw, 'REDIS_URL', problems, { database: true, anyHost: true });
    if (urlRaw !== undefined && !url) return undefined;
    const password = credentials(url ? [url] : [], extraPassword, problems);
    if (!sentinels || masterName === undefined) return undefined;
    const target = hidden(
      {
        mode: 'sentinel' as const,
        masterName,
        sentinels,
        ...(password.username ? { username: password.username } : {}),
        ...(password.password ? { password: password.password } : {}),
        database: url ? databaseOf(url) : 0,
        tls: url?.protocol === 'rediss:',
      },
      'password',
    );
    const safeUrl = `sentinel master "${masterName}" via ${sentinels.map((n) => `${n.host}:${n.port}`).join(',')}${url?.protocol === 'rediss:' ? ' (TLS)' : ''}`;
    return hidden({ kind: 'redis' as const, mode, url: urlRaw ?? '', safeUrl, keyPrefix, target }, 'url');
  }

  if (urlRaw === undefined) {
    problems.push('REDIS_URL: required when REDIS_MODE=cluster: a comma list of seed nodes, e.g. redis://node-1:6379,redis://node-2:6379,redis://node-3:6379');
    return undefined;
  }
  const urls: URL[] = [];
  for (const [i, part] of urlRaw.split(',').map((s) => s.trim()).entries()) {
    const url = parseRedisUrl(part, `REDIS_URL (seed ${i + 1})`, problems, { database: false });
    if (url) urls.push(url);
  }
  if (urls.length === 0) return undefined;
  if (new Set(urls.map((u) => u.protocol)).size > 1) problems.push('REDIS_URL: mixes redis:// and rediss:// seeds; a cluster is all TLS or none');
  const password = credentials(urls, extraPassword, problems);
  const target = hidden(
    {
      mode: 'cluster' as const,
      nodes: urls.map((u) => ({ host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 6379) })),
      ...(password.username ? { username: password.username } : {}),
      ...(password.password ? { password: password.password } : {}),
      tls: urls[0]!.protocol === 'rediss:',
    },
    'password',
  );
  return hidden({ kind: 'redis' as const, mode, url: urlRaw, safeUrl: `cluster via ${urls.map(maskUrlCredentials).join(',')}`, keyPrefix, target }, 'url');
}

function parseRedisUrl(raw: string, name: string, problems: string[], options: { database: boolean; anyHost?: boolean }): URL | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`${name}: expected a URL like redis://host:6379${options.database ? '/0' : ''} (the value is not shown: it may hold a password)`);
    return undefined;
  }
  const safeUrl = maskUrlCredentials(url);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    problems.push(`${name}: expected redis:// or rediss:// (TLS) (got "${safeUrl}")`);
  } else if (!url.hostname && !options.anyHost) {
    problems.push(`${name}: names no host (got "${safeUrl}")`);
  } else if (url.search || url.hash || !(options.database ? /^\/?\d{0,2}$/ : /^\/?0?$/).test(url.pathname)) {
    problems.push(
      options.database
        ? `${name}: the path may only be a database number such as /0 (got "${safeUrl}")`
        : `${name}: a cluster has only database 0; give host and port only (got "${safeUrl}")`,
    );
  } else {
    return url;
  }
  return undefined;
}

/** One user name and password for every data node: from the URL(s) or REDIS_PASSWORD, never conflicting. */
function credentials(urls: readonly URL[], extraPassword: string | undefined, problems: string[]): { username?: string; password?: string } {
  const withPassword = urls.filter((u) => u.password);
  const passwords = new Set(withPassword.map((u) => decodeURIComponent(u.password)));
  const usernames = new Set(urls.filter((u) => u.username).map((u) => decodeURIComponent(u.username)));
  if (passwords.size > 1 || usernames.size > 1) problems.push('REDIS_URL: the seeds carry different user names or passwords; a cluster has one');
  if (extraPassword && passwords.size > 0) problems.push('REDIS_PASSWORD: set, and REDIS_URL carries a password too; keep one');
  const password = extraPassword || [...passwords][0];
  const username = [...usernames][0];
  return { ...(username ? { username } : {}), ...(password ? { password } : {}) };
}

function databaseOf(url: URL): number {
  const digits = url.pathname.replace(/^\//, '');
  return digits ? Number(digits) : 0;
}

/** host:port,host:port (IPv6 in brackets: [::1]:26379). */
function parseNodeList(raw: string | undefined, name: string, shape: string, problems: string[]): RedisNodeAddress[] | undefined {
  if (raw === undefined || raw.trim() === '') {
    problems.push(`${name}: required when REDIS_MODE=sentinel, as ${shape}`);
    return undefined;
  }
  const nodes: RedisNodeAddress[] = [];
  for (const part of raw.split(',').map((s) => s.trim())) {
    const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(part);
    const port = m ? Number(m[2]) : 0;
    if (!m || port < 1 || port > 65535) {
      problems.push(`${name}: expected ${shape} (got "${part.slice(0, 100)}")`);
      return undefined;
    }
    nodes.push({ host: m[1]!.replace(/^\[|\]$/g, ''), port });
  }
  return nodes;
}

function hidden<T extends object>(value: T, key: keyof T & string): T {
  if (key in value) Object.defineProperty(value, key, { enumerable: false });
  return value;
}

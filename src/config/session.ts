import { parseRedisStore } from '../redis/redis-config.js';
import type { Reader } from './reader.js';
import type { StoreConfig } from './types.js';

/**
 * Sessions: the signing secrets, the two clocks, and where they live (SESSION_STORE; the Redis settings are
 * parsed by src/redis/redis-config.ts, next to the connection code that uses them).
 */
export const SESSION_VARIABLES = [
  'SESSION_SECRET',
  'SESSION_IDLE_TIMEOUT_MINUTES',
  'SESSION_ABSOLUTE_TIMEOUT_MINUTES',
  'SESSION_STORE',
  'REDIS_URL',
  'REDIS_MODE',
  'REDIS_SENTINELS',
  'REDIS_SENTINEL_MASTER',
  'REDIS_PASSWORD',
  'REDIS_KEY_PREFIX',
] as const;

// Only meaningful with SESSION_STORE=redis; set without it they are a mistake worth naming.
const REDIS_ONLY = ['REDIS_URL', 'REDIS_MODE', 'REDIS_SENTINELS', 'REDIS_SENTINEL_MASTER', 'REDIS_PASSWORD'];

export interface SessionSection {
  readonly secrets: readonly string[];
  /** True when no SESSION_SECRET was given outside production: a random one, sessions end at restart. */
  readonly secretIsEphemeral: boolean;
  readonly idleMinutes: number;
  readonly absoluteMinutes: number;
}

export function readSessionSecrets(r: Reader, production: boolean): Pick<SessionSection, 'secrets' | 'secretIsEphemeral'> {
  const secrets = r.list('SESSION_SECRET', { keepEmpty: true });
  if (secrets === undefined) {
    if (production) r.problem('SESSION_SECRET', 'required when NODE_ENV=production; at least 32 random characters (e.g. `openssl rand -base64 48`)');
    return { secrets: production ? [] : [randomSecret()], secretIsEphemeral: !production };
  }
  secrets.forEach((secret, i) => {
    if (secret.length < 32) {
      r.problem('SESSION_SECRET', `${secrets.length > 1 ? `entry ${i + 1} of the comma list` : 'the secret'} is ${secret.length} characters; at least 32 are required`);
    }
  });
  return { secrets, secretIsEphemeral: false };
}

export function readSessionClocks(r: Reader): Pick<SessionSection, 'idleMinutes' | 'absoluteMinutes'> {
  const idleMinutes = r.int('SESSION_IDLE_TIMEOUT_MINUTES', 480, 1, 43200);
  const absoluteMinutes = r.int('SESSION_ABSOLUTE_TIMEOUT_MINUTES', 1440, 1, 43200);
  if (idleMinutes > absoluteMinutes) r.problem('SESSION_IDLE_TIMEOUT_MINUTES', 'must not exceed SESSION_ABSOLUTE_TIMEOUT_MINUTES');
  return { idleMinutes, absoluteMinutes };
}

/** SESSION_STORE; with redis, its settings (the password in REDIS_URL or REDIS_PASSWORD is never echoed back). */
export function readStore(r: Reader): StoreConfig | undefined {
  const kind = r.oneOf('SESSION_STORE', ['memory', 'redis'], 'memory');
  if (r.hasProblem('SESSION_STORE')) return undefined;
  if (kind === 'memory') {
    for (const name of REDIS_ONLY) {
      if (r.string(name) !== undefined) r.problem(name, 'set, but SESSION_STORE is not redis; set SESSION_STORE=redis to share sessions through Redis');
    }
    return { kind: 'memory' };
  }
  const lines: string[] = [];
  const store = parseRedisStore(r.value, lines);
  r.problemLines(lines);
  return store;
}

function randomSecret(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
}

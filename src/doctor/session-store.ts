/**
 * The doctor's session-store line. With SESSION_STORE=redis the app starts even when Redis is down (and
 * then answers 503 to every signed-in request), so the doctor connects once, PINGs and reads the server
 * version, with a timeout on the whole exchange. The password in REDIS_URL is never printed: messages use
 * the URL with the password masked, and any text from Redis or the socket has the password removed.
 */
import type { Config } from '../config.js';
import { createProbeClient } from '../redis/connection.js';
import type { RedisTarget } from '../redis/redis-config.js';
import type { Check } from './check.js';

/** Sign-in transactions use GETDEL (Redis 6.2). */
const MIN_VERSION: readonly [number, number] = [6, 2];

const TITLE = 'Session store';

export async function sessionStoreCheck(config: Config, timeoutMs: number): Promise<Check> {
  if (config.store.kind !== 'redis') {
    return config.nodeEnv === 'production'
      ? {
          id: 'session_store',
          title: TITLE,
          status: 'warning',
          message: 'in-process memory: one replica only, and every session ends when the process restarts',
          fix: ['Run a single replica, or set SESSION_STORE=redis and REDIS_URL to share sessions (see README, Production).'],
        }
      : { id: 'session_store', title: TITLE, status: 'ok', message: 'in-process memory (fine for one replica)' };
  }
  const { url, safeUrl, target } = config.store;
  const outcome = await pingRedis(target, timeoutMs);
  if ('failure' in outcome) {
    const failure = scrub(outcome.failure, url, target.mode === 'standalone' ? undefined : target.password);
    const auth = /WRONGPASS|NOAUTH|NOPERM|AUTH/i.test(failure);
    return {
      id: 'session_store',
      title: TITLE,
      status: 'problem',
      message: `Redis at ${safeUrl}: ${auth ? `refused the credentials in REDIS_URL (${failure})` : failure}`,
      fix: auth
        ? [
            'Put the password in REDIS_URL as redis://:PASSWORD@host:6379/0, or redis://USER:PASSWORD@host:6379/0 for an ACL user; URL-encode special characters.',
            'Compare it with the Redis server\'s requirepass or ACL (a managed Redis shows it as the access key).',
          ]
        : target.mode === 'sentinel'
          ? [
              `Check REDIS_SENTINELS and REDIS_SENTINEL_MASTER (now ${safeUrl}): the sentinels' host:port, and the name in their "sentinel monitor" line.`,
              'Check that the sentinels and the master they name are running and reachable from this machine (the master\'s address as the sentinels announce it).',
            ]
          : [
            `Check REDIS_URL (now ${safeUrl}): host, port, and rediss:// when the server requires TLS.`,
            'Check that Redis is running and that this machine can reach it (firewall, security group, network policy).',
          ],
    };
  }
  const version = outcome.version;
  if (version && olderThan(version, MIN_VERSION)) {
    return {
      id: 'session_store',
      title: TITLE,
      status: 'problem',
      message: `Redis at ${safeUrl} answered PING, but it is version ${version}; sign-ins need ${MIN_VERSION.join('.')} or newer (GETDEL)`,
      fix: ['Upgrade Redis to 6.2 or newer (7.x recommended).'],
    };
  }
  return {
    id: 'session_store',
    title: TITLE,
    status: 'ok',
    message: `Redis at ${safeUrl} answered PING${version ? ` (Redis ${version})` : ' (version not readable: INFO is disabled)'}; sessions are shared by every replica`,
  };
}

async function pingRedis(target: RedisTarget, timeoutMs: number): Promise<{ version: string | undefined } | { failure: string }> {
  // No reconnects and no offline queue: one attempt, and a dead or silent server ends it within the timeout.
  const client = createProbeClient(target, timeoutMs);
  client.on('error', () => {});
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    return await Promise.race([
      (async () => {
        await client.connect();
        await client.ping();
        let version: string | undefined;
        try {
          version = /^redis_version:(\S+)/m.exec(await client.info('server'))?.[1];
        } catch {
          version = undefined; // INFO renamed or disabled (some managed Redis): PING is what matters.
        }
        return { version };
      })(),
      deadline,
    ]);
  } catch (err) {
    return { failure: describe(err, timeoutMs) };
  } finally {
    clearTimeout(timer);
    void Promise.resolve()
      .then(() => client.destroy())
      .catch(() => {});
  }
}

function describe(err: unknown, timeoutMs: number): string {
  const e = err as { code?: string; message?: string; name?: string };
  if (e?.code === 'ECONNREFUSED') return 'connection refused';
  if (e?.code === 'ENOTFOUND' || e?.code === 'EAI_AGAIN') return 'host name not found (DNS)';
  if (e?.name === 'ConnectionTimeoutError' || /timeout/i.test(e?.message ?? '')) return `no answer within ${timeoutMs / 1000} s`;
  if (e?.code && /CERT|SSL|TLS|EPROTO/.test(e.code)) return `TLS error (${e.code}): check rediss:// and the server certificate`;
  return e?.message || String(err);
}

/** Removes the URL's password, or the given one (and its URL-encoded form), from any text before it is shown. */
function scrub(text: string, url: string, given?: string): string {
  let password = given ?? '';
  try {
    password ||= new URL(url).password;
  } catch {
    password = given ?? '';
  }
  if (!password) return text;
  return [password, decodeURIComponent(password)].reduce((t, p) => (p ? t.split(p).join('***') : t), text);
}

function olderThan(version: string, [major, minor]: readonly [number, number]): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number);
  return a < major || (a === major && b < minor);
}

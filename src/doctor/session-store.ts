/**
 * The doctor's session-store line. With SESSION_STORE=redis the app starts even when Redis is down (and
 * then answers 503 to every signed-in request), so the doctor connects once, PINGs and reads the server
 * version, with a timeout on the whole exchange. The password in REDIS_URL is never printed: messages use
 * the URL with the password masked, and any text from Redis or the socket has the password removed.
 */
import type { Config } from '../config.js';
import { createProbeClient } from '../redis/connection.js';
import type { RedisTarget } from '../redis/redis-config.js';
import { worded, type Check } from './check.js';
import { say, verbatim, type Bilingual } from './messages.js';

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
          ...worded(say('store.memoryProduction'), [say('store.memoryProductionFix')]),
        }
      : { id: 'session_store', title: TITLE, status: 'ok', ...worded(say('store.memory')) };
  }
  const { url, safeUrl, target } = config.store;
  const outcome = await pingRedis(target, timeoutMs);
  if ('failure' in outcome) {
    const password = target.mode === 'standalone' ? undefined : target.password;
    const failure: Bilingual = { en: scrub(outcome.failure.en, url, password), ja: scrub(outcome.failure.ja, url, password) };
    const auth = /WRONGPASS|NOAUTH|NOPERM|AUTH/i.test(failure.en);
    return {
      id: 'session_store',
      title: TITLE,
      status: 'problem',
      ...worded(
        say(auth ? 'store.credentialsRefused' : 'store.failed', { url: safeUrl, failure }),
        auth
          ? [say('store.passwordFix'), say('store.passwordCompareFix')]
          : target.mode === 'sentinel'
            ? [say('store.sentinelFix', { url: safeUrl }), say('store.sentinelReachFix')]
            : [say('store.urlFix', { url: safeUrl }), say('store.reachFix')],
      ),
    };
  }
  const version = outcome.version;
  if (version && olderThan(version, MIN_VERSION)) {
    return {
      id: 'session_store',
      title: TITLE,
      status: 'problem',
      ...worded(say('store.old', { url: safeUrl, version, min: MIN_VERSION.join('.') }), [say('store.oldFix')]),
    };
  }
  return {
    id: 'session_store',
    title: TITLE,
    status: 'ok',
    ...worded(version ? say('store.ok', { url: safeUrl, version }) : say('store.okNoVersion', { url: safeUrl })),
  };
}

async function pingRedis(target: RedisTarget, timeoutMs: number): Promise<{ version: string | undefined } | { failure: Bilingual }> {
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

function describe(err: unknown, timeoutMs: number): Bilingual {
  const e = err as { code?: string; message?: string; name?: string };
  if (e?.code === 'ECONNREFUSED') return say('net.refused');
  if (e?.code === 'ENOTFOUND' || e?.code === 'EAI_AGAIN') return say('net.dns');
  if (e?.name === 'ConnectionTimeoutError' || /timeout|^no answer within/i.test(e?.message ?? '')) return say('net.timeout', { s: timeoutMs / 1000 });
  if (e?.code && /CERT|SSL|TLS|EPROTO/.test(e.code)) return say('store.tls', { code: e.code });
  return verbatim(e?.message || String(err));
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

import { maskUrlCredentials } from '../url-credentials.js';
import { isLoopbackHost } from '../http/loopback.js';
import type { Reader } from './reader.js';
import { LOG_LEVELS, type Config, type LogLevel } from './types.js';

/** The process and its public face: where it listens, what origin users type, the proxies in front, logging. */
export const SERVER_VARIABLES = ['NODE_ENV', 'PORT', 'BASE_URL', 'TRUST_PROXY', 'LOG_LEVEL', 'METRICS_PORT', 'SHOW_ERROR_DETAILS'] as const;

export interface ServerSection {
  readonly nodeEnv: Config['nodeEnv'];
  readonly port: number;
  readonly baseUrl: string;
  readonly trustProxy: number;
  readonly logLevel: LogLevel;
  readonly metricsPort: number | undefined;
  readonly showErrorDetails: boolean;
}

/**
 * Read in two calls, the process (NODE_ENV, PORT) before the Entra section and the origin after it, so problems
 * are listed in the order admins have always read them (and the tests quote).
 */
export function readProcess(r: Reader): Pick<ServerSection, 'nodeEnv' | 'port'> {
  const nodeEnv = r.oneOf('NODE_ENV', ['production', 'development', 'test'], 'development', { lowerCase: false });
  const port = r.int('PORT', 3000, 1, 65535);
  return { nodeEnv, port };
}

export function readOrigin(r: Reader, { nodeEnv, port }: Pick<ServerSection, 'nodeEnv' | 'port'>): ServerSection {
  const production = nodeEnv === 'production';

  let baseUrl = `http://localhost:${port}`;
  const baseGiven = r.string('BASE_URL') !== undefined;
  if (!baseGiven && production) {
    // The localhost default would register a redirect URI no user can reach and name the wrong origin in
    // every redirect: in production the public origin must be stated, not guessed.
    r.problem(
      'BASE_URL',
      'required when NODE_ENV=production; the public origin users type, e.g. https://mha.example.com (the redirect URI registered in Entra is BASE_URL/auth/callback)',
    );
  }
  const base = r.origin('BASE_URL', { hint: ', e.g. https://mha.example.com' });
  if (base && production && base.protocol === 'http:' && !isLoopbackHost(base.hostname)) {
    r.problem(
      'BASE_URL',
      `must use https in production so the session cookie is Secure (got "${maskUrlCredentials(r.string('BASE_URL')!)}"); terminate TLS at your proxy and set TRUST_PROXY`,
    );
  } else if (base) {
    baseUrl = base.origin;
  }

  const trustProxyRaw = r.string('TRUST_PROXY');
  let trustProxy = 0;
  if (trustProxyRaw !== undefined && /^(true|false|yes|no|on|off)$/i.test(trustProxyRaw)) {
    r.problem(
      'TRUST_PROXY',
      `expected the number of reverse proxies in front of the app (0, 1, 2...), not "${trustProxyRaw}"; "true" would let any client forge its address and scheme`,
    );
  } else {
    trustProxy = r.int('TRUST_PROXY', 0, 0, 10);
  }

  const logLevel = r.oneOf('LOG_LEVEL', LOG_LEVELS, 'info', { expected: `one of ${LOG_LEVELS.join(', ')}`, echoLowerCase: true });

  if (baseUrl.startsWith('https:') && trustProxy === 0 && baseGiven) {
    // The app speaks plain http; an https BASE_URL means a TLS proxy in front. Without trusting it,
    // express-session would silently never set the Secure cookie and every sign-in would loop.
    r.problem('TRUST_PROXY', 'BASE_URL is https, so a TLS-terminating proxy sits in front of the app; set TRUST_PROXY to the number of proxies (usually 1)');
  }

  const showErrorDetails = r.bool('SHOW_ERROR_DETAILS', false);
  const metricsPort = r.optionalInt('METRICS_PORT', 1, 65535);
  if (metricsPort !== undefined && metricsPort === port) {
    r.problem('METRICS_PORT', `must differ from PORT (${port}); leave it unset to serve /metrics on PORT`);
  }
  return { nodeEnv, port, baseUrl, trustProxy, logLevel, metricsPort, showErrorDetails };
}

/**
 * The set-up doctor: the configuration the server would run with, checked against Entra before any user
 * tries it. Each check is one line — ok, warning or problem — with the fix. Used by `npm run doctor`
 * (src/doctor.ts) and, live, by the admin status page. Every network call has a timeout; nothing here
 * prints or returns a secret (only its length and shape).
 */
import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import { isGuid, isLoopbackHost, parseConfig, problemFromLine, redactedConfig, type Config, type ConfigProblem, type ConfigWarning, type Env } from '../config.js';
import { ConfigError } from '../errors.js';
import { explainEntraAnswer, stepValuesOf } from '../auth/setup-problem.js';
import { ISSUER_FIX, tenantOfIssuer } from '../auth/oidc-client.js';
import { clientAuthFor, describeCredential } from '../auth/client-credential.js';
import { sessionStoreCheck } from './session-store.js';
import { maskUrlCredentials } from '../url-credentials.js';
import { configFix } from './config-fixes.js';
import { entraRegistration } from '../auth/registration.js';
import { worded, type Check, type CheckStatus, type CheckText } from './check.js';
import { CATALOGUES } from '../i18n/i18n.js';
import { say, verbatim, type Bilingual } from './messages.js';

export { worded, type Check, type CheckStatus, type CheckText };

/** The title a page shows for a check in `locale`: a variable name as it is, else the catalogue's title. */
function titleIn(check: Pick<Check, 'id' | 'title'>, locale: 'ja'): string {
  const key = `status.checkTitle.${check.id}`;
  const catalogue: Readonly<Record<string, string>> = CATALOGUES[locale];
  return /^[A-Z0-9_]+$/.test(check.title) || !Object.hasOwn(catalogue, key) ? check.title : catalogue[key]!;
}

/** The exact values to paste into the app registration. */
export interface RegisterValues {
  readonly redirectUri: string;
  readonly postLogoutRedirectUri: string;
  readonly frontchannelLogoutUri: string;
  /** Multi-tenant only. */
  readonly adminConsentRedirectUri?: string;
}

export interface DoctorReport {
  /** True when no check is a problem (warnings allowed): the exit code is 0. */
  readonly ok: boolean;
  readonly summary: Readonly<Record<CheckStatus, number>>;
  readonly checks: readonly Check[];
  readonly register?: RegisterValues;
  /** The configuration without secrets, when it parsed. */
  readonly config?: Record<string, unknown>;
  readonly version: string;
  readonly generatedAt: string;
}

export interface DoctorOptions {
  /** Per network call. Default: the server's own timeout (config.entra.httpTimeoutSeconds). */
  readonly timeoutMs?: number;
  readonly version?: string;
  readonly now?: () => number;
}

/** Clock skew the id_token checks tolerate before sign-ins start failing (openid-client's default). */
const CLOCK_TOLERANCE_S = 30;
const CLOCK_PROBLEM_S = 300;
// Entra's secret Values are 40 characters (older ones 32-44); much shorter is usually a truncated paste.
const SECRET_SHORT = 30;

/** Parses the environment exactly as the server does, then runs every check. */
export async function runDoctor(env: Env, options: DoctorOptions = {}): Promise<DoctorReport> {
  const hasSecret = (env['ENTRA_CLIENT_SECRET'] ?? '').trim() !== '';
  const checks: Check[] = hasSecret ? [secretCheck(env['ENTRA_CLIENT_SECRET'])] : [];
  let config: Config | undefined;
  try {
    config = parseConfig(env);
    checks.unshift({ id: 'config', title: 'Configuration', status: 'ok', message: 'every variable is present and well formed' });
    checks.push(...config.warnings.map(typoCheck));
    if (config.entra.credential.kind !== 'secret') {
      checks.push({ id: 'credential', title: 'Client credential', status: 'ok', message: Object.values(describeCredential(config.entra.credential)).join(', ') });
    }
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // A set secret has its own line above; the parser's wording for it would say the same twice.
    const others = err.issues.filter((p) => !(hasSecret && p.variable === 'ENTRA_CLIENT_SECRET'));
    checks.unshift(...others.map(configProblemCheck), ...err.warnings.map(typoCheck));
  }
  if (!config) {
    checks.push({ id: 'entra', title: 'Entra', status: 'skipped', message: 'not checked: fix the configuration first' });
    return report(checks, undefined, options);
  }
  checks.push(...deploymentChecks(env, config));
  checks.push(await sessionStoreCheck(config, options.timeoutMs ?? config.entra.httpTimeoutSeconds * 1000));
  checks.push(...(await liveChecks(config, options)));
  return report(collapseRepeatedCauses(checks), config, options);
}

/** One parser problem as a doctor line with that variable's own fix (a "VARIABLE: what is wrong" line also works). */
export function configProblemCheck(problem: ConfigProblem | string): Check {
  const { variable, message } = typeof problem === 'string' ? problemFromLine(problem) : problem;
  return { id: 'config', title: variable, status: 'problem', message, fix: configFix(variable) };
}

/** A likely typo in the environment (src/config/typos.ts): a warning, the server still starts. */
function typoCheck(warning: ConfigWarning): Check {
  return {
    id: 'config',
    title: warning.variable,
    status: 'warning',
    message: warning.message,
    fix: [`Rename ${warning.variable} to ${warning.suggestion}, or remove it; as spelt, the server ignores it and uses ${warning.suggestion}'s default.`],
  };
}

/**
 * One cause, one explanation: a wrong client ID fails the token request and the authorization request
 * with the same AADSTS700016, and the same steps printed twice read as two problems. The first keeps the
 * explanation; a later check with the same code points to it (and is not counted as a second problem).
 */
export function collapseRepeatedCauses(checks: readonly Check[]): Check[] {
  const first = new Map<string, Check>();
  return checks.map((c) => {
    if (c.status !== 'problem' || c.aadsts === undefined) return c;
    const earlier = first.get(c.aadsts);
    if (!earlier) {
      first.set(c.aadsts, c);
      return c;
    }
    const causeJa = earlier.translations?.ja?.cause ?? earlier.cause;
    const cause = { en: earlier.cause ? `${earlier.cause}, AADSTS${c.aadsts}` : `AADSTS${c.aadsts}`, ja: causeJa ? `${causeJa}、AADSTS${c.aadsts}` : `AADSTS${c.aadsts}` };
    const title = { en: earlier.title, ja: titleIn(earlier, 'ja') };
    return { id: c.id, title: c.title, status: 'skipped', ...worded(say('skip.sameCause', { title, cause })), aadsts: c.aadsts };
  });
}

function report(checks: Check[], config: Config | undefined, options: DoctorOptions): DoctorReport {
  const summary: Record<CheckStatus, number> = { ok: 0, warning: 0, problem: 0, skipped: 0 };
  for (const c of checks) summary[c.status]++;
  return {
    ok: summary.problem === 0,
    summary,
    checks,
    ...(config ? { register: registerValues(config), config: redactedConfig(config) } : {}),
    version: options.version ?? 'unknown',
    generatedAt: new Date(options.now?.() ?? Date.now()).toISOString(),
  };
}

/** The values to register for this deployment, from the one table (src/auth/registration.ts). */
export function registerValues(config: Config): RegisterValues {
  return Object.fromEntries(entraRegistration(config.baseUrl, config.entra.multiTenant).map((e) => [e.key, e.value])) as unknown as RegisterValues;
}

/** The secret's length and shape, never its value: the most common mistake is pasting the Secret ID. */
export function secretCheck(raw: string | undefined): Check {
  const title = 'ENTRA_CLIENT_SECRET';
  const secret = raw?.trim() ?? '';
  const fix = [say('secret.fix')];
  if (secret === '') return { id: 'secret', title, status: 'problem', ...worded(say('secret.notSet'), fix) };
  const n = secret.length;
  if (isGuid(secret)) return { id: 'secret', title, status: 'problem', ...worded(say('secret.guid', { n }), fix) };
  if (/^(["']).*\1$/.test(secret)) return { id: 'secret', title, status: 'warning', ...worded(say('secret.quoted', { n }), [say('secret.quotedFix')]) };
  if (/\s/.test(secret)) return { id: 'secret', title, status: 'warning', ...worded(say('secret.space', { n }), fix) };
  if (secret.length < SECRET_SHORT) return { id: 'secret', title, status: 'warning', ...worded(say('secret.short', { n }), fix) };
  return { id: 'secret', title, status: 'ok', ...worded(say('secret.ok', { n })) };
}

/**
 * BASE_URL, TRUST_PROXY and the error-detail switch: what only this deployment knows. The session store
 * has its own (networked) check: session-store.ts.
 */
export function deploymentChecks(env: Env, config: Config): Check[] {
  const checks: Check[] = [];
  const rawBase = env['BASE_URL']?.trim();
  const base = new URL(config.baseUrl);
  const loopback = isLoopbackHost(base.hostname);
  if (rawBase === undefined || rawBase === '') {
    checks.push({
      id: 'base_url',
      title: 'BASE_URL',
      // Only outside production: there the configuration itself refuses a missing BASE_URL.
      status: 'warning',
      ...worded(say('baseUrl.unset', { baseUrl: config.baseUrl }), [say('baseUrl.unsetFix')]),
    });
  } else if (base.protocol === 'http:' && !loopback) {
    checks.push({
      id: 'base_url',
      title: 'BASE_URL',
      status: 'warning',
      ...worded(say('baseUrl.http', { baseUrl: config.baseUrl }), [say('baseUrl.httpFix')]),
    });
  } else if (rawBase.endsWith('/')) {
    checks.push({
      id: 'base_url',
      title: 'BASE_URL',
      status: 'warning',
      ...worded(say('baseUrl.slash', { raw: maskUrlCredentials(rawBase), redirectUri: config.redirectUri }), [say('baseUrl.slashFix', { redirectUri: config.redirectUri })]),
    });
  } else {
    checks.push({ id: 'base_url', title: 'BASE_URL', status: 'ok', ...worded(say('baseUrl.ok', { baseUrl: config.baseUrl })) });
  }

  if (base.protocol === 'http:' && !loopback && config.trustProxy > 0) {
    checks.push({
      id: 'trust_proxy',
      title: 'TRUST_PROXY',
      status: 'warning',
      ...worded(say('trustProxy.http', { n: config.trustProxy }), [say('trustProxy.httpFix')]),
    });
  } else if (config.trustProxy > 2) {
    checks.push({
      id: 'trust_proxy',
      title: 'TRUST_PROXY',
      status: 'warning',
      ...worded(say('trustProxy.many', { n: config.trustProxy }), [say('trustProxy.manyFix')]),
    });
  } else {
    const what = config.trustProxy === 0 ? say('trustProxy.none') : say('trustProxy.ok', { n: config.trustProxy });
    checks.push({ id: 'trust_proxy', title: 'TRUST_PROXY', status: 'ok', ...worded(what) });
  }

  if (config.errorPages.showDetails && config.nodeEnv === 'production') {
    checks.push({
      id: 'error_details',
      title: 'SHOW_ERROR_DETAILS',
      status: 'warning',
      ...worded(say('errorDetails.on'), [say('errorDetails.fix')]),
    });
  }
  return checks;
}

interface Fetched {
  readonly res?: Response;
  readonly body?: string;
  /** Why there is no response: a timeout or a network error, in words. */
  readonly failure?: Bilingual;
  /** Local time when the answer arrived. */
  readonly at: number;
}

async function fetchWithTimeout(url: string, timeoutMs: number, now: () => number, init: RequestInit = {}): Promise<Fetched> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const at = now();
    const body = await res.text();
    return { res, body, at };
  } catch (err) {
    return { failure: networkFailure(err, timeoutMs), at: now() };
  }
}

function networkFailure(err: unknown, timeoutMs: number): Bilingual {
  const e = err as { name?: string; cause?: { code?: string; message?: string }; message?: string };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return say('net.timeout', { s: timeoutMs / 1000 });
  const code = e?.cause?.code;
  if (code === 'ECONNREFUSED') return say('net.refused');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return say('net.dns');
  if (code && /CERT|SSL|TLS/.test(code)) return say('net.tls', { code });
  return verbatim(e?.cause?.message ?? e?.message ?? String(err));
}

/** One line from an Entra error body: the code table's title, steps and help link (the server's words too). */
function entraProblem(id: string, title: string, body: Record<string, unknown>, config: Config, context: Bilingual): Check | undefined {
  const x = explainEntraAnswer(body, stepValuesOf(config), context.en);
  const ja = explainEntraAnswer(body, stepValuesOf(config), context.ja, 'ja');
  if (!x || !ja) return undefined;
  return {
    id,
    title,
    status: 'problem',
    message: x.message,
    fix: x.fix,
    ...(x.aadsts ? { aadsts: x.aadsts } : {}),
    ...(x.helpLink ? { helpLink: x.helpLink } : {}),
    cause: x.title,
    translations: { ja: { message: ja.message, fix: ja.fix, cause: ja.title } },
  };
}

function parseJson(text: string | undefined): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text ?? '');
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The checks that talk to Entra: discovery, issuer, cloud, signing keys, clock, client credentials and
 * the redirect URI. Each call is bounded by the timeout; a failure skips what depends on it.
 */
export async function liveChecks(config: Config, options: DoctorOptions = {}): Promise<Check[]> {
  const timeoutMs = options.timeoutMs ?? config.entra.httpTimeoutSeconds * 1000;
  const now = options.now ?? Date.now;
  const checks: Check[] = [];
  const skip = (id: string, title: string): Check => ({ id, title, status: 'skipped', ...worded(say('skip.discovery')) });
  const dependents = (): Check[] => [
    skip('issuer', 'Issuer'),
    skip('keys', 'Signing keys'),
    skip('client_credentials', 'Client ID and secret'),
    skip('redirect_uri', 'Redirect URI'),
  ];

  const discoveryUrl = config.entra.discoveryUrl.href;
  const sent = now();
  const discovery = await fetchWithTimeout(discoveryUrl, timeoutMs, now, { headers: { accept: 'application/json' } });
  if (discovery.res) checks.push(clockCheck(discovery.res.headers.get('date'), sent, discovery.at));

  if (!discovery.res) {
    checks.unshift({
      id: 'discovery',
      title: 'Discovery',
      status: 'problem',
      ...worded(say('net.urlFailure', { url: discoveryUrl, failure: discovery.failure! }), [
        say('discovery.reachFix', { host: config.entra.authorityHost }),
        say('discovery.hostFix'),
      ]),
    });
    return [...checks, ...dependents()];
  }
  const metadata = parseJson(discovery.body);
  if (!discovery.res.ok || !metadata || typeof metadata['issuer'] !== 'string') {
    const explained = metadata
      ? entraProblem('discovery', 'Discovery', metadata, config, say('discovery.answered', { url: discoveryUrl, status: discovery.res.status }))
      : undefined;
    checks.unshift(
      explained ?? {
        id: 'discovery',
        title: 'Discovery',
        status: 'problem',
        ...worded(say('discovery.notDocument', { url: discoveryUrl, status: discovery.res.status }), [say('discovery.authorityFix'), say('discovery.tenantFix')]),
      },
    );
    return [...checks, ...dependents()];
  }
  checks.unshift({ id: 'discovery', title: 'Discovery', status: 'ok', ...worded(say('discovery.ok', { url: discoveryUrl })) });

  const issuer = metadata['issuer'] as string;
  try {
    const tid = tenantOfIssuer(issuer, config.entra);
    checks.push({ id: 'issuer', title: 'Issuer', status: 'ok', ...worded(say('issuer.ok', { issuer, tid })) });
  } catch (err) {
    checks.push({
      id: 'issuer',
      title: 'Issuer',
      status: 'problem',
      message: err instanceof Error ? err.message : String(err),
      fix: ISSUER_FIX,
    });
  }

  const cloud = cloudCheck(metadata, config.entra.authorityHost);
  if (cloud) checks.push(cloud);

  checks.push(await keysCheck(metadata, timeoutMs, now));
  if (config.entra.multiTenant) {
    // Entra issues app-only tokens from a tenant's own endpoint, never from organizations/common.
    checks.push({ id: 'client_credentials', title: 'Client ID and secret', status: 'skipped', ...worded(say('credentials.multiTenant', { tenantId: config.entra.tenantId })) });
  } else {
    checks.push(await clientCredentialsCheck(metadata, config, clientAuthFor(config.entra.credential, config.entra.clientId), timeoutMs));
  }
  checks.push(await redirectUriCheck(metadata, config, timeoutMs, now));
  // Here too, so the admin status page (which runs these checks live) explains one cause once.
  return collapseRepeatedCauses(checks);
}

/**
 * Entra's authority hosts and the cloud (`cloud_instance_name` in discovery) each belongs to. Only these can
 * be compared: login.microsoft.com serves the public cloud as well as login.microsoftonline.com, and a
 * forward proxy or a test double on any other host may serve Entra's real document.
 */
export const ENTRA_HOST_CLOUDS: Readonly<Record<string, string>> = {
  'login.microsoftonline.com': 'microsoftonline.com',
  'login.microsoft.com': 'microsoftonline.com',
  'login.windows.net': 'microsoftonline.com',
  'sts.windows.net': 'microsoftonline.com',
  'login.microsoftonline.us': 'microsoftonline.us',
  'login.usgovcloudapi.net': 'microsoftonline.us',
  'login.partner.microsoftonline.cn': 'partner.microsoftonline.cn',
  'login.chinacloudapi.cn': 'partner.microsoftonline.cn',
};

/** Entra's discovery names the cloud the tenant lives in; each cloud needs its own authority host. */
export function cloudCheck(metadata: Record<string, unknown>, authorityHost: string): Check | undefined {
  const cloud = metadata['cloud_instance_name'];
  if (typeof cloud !== 'string') return undefined;
  const host = new URL(authorityHost).hostname.toLowerCase();
  const hostCloud = Object.hasOwn(ENTRA_HOST_CLOUDS, host) ? ENTRA_HOST_CLOUDS[host] : undefined;
  if (hostCloud === undefined) {
    return {
      id: 'cloud',
      title: 'Cloud',
      status: 'warning',
      ...worded(say('cloud.unknownHost', { cloud, authorityHost }), [say('cloud.unknownHostFix', { host, cloud })]),
    };
  }
  if (hostCloud === cloud) return { id: 'cloud', title: 'Cloud', status: 'ok', ...worded(say('cloud.ok', { cloud, host })) };
  return {
    id: 'cloud',
    title: 'Cloud',
    status: 'problem',
    ...worded(say('cloud.mismatch', { cloud, authorityHost, hostCloud }), [say('cloud.mismatchFix', { cloud })]),
  };
}

function clockCheck(dateHeader: string | null, sent: number, received: number): Check {
  const server = dateHeader ? Date.parse(dateHeader) : NaN;
  if (Number.isNaN(server)) return { id: 'clock', title: 'Clock', status: 'skipped', ...worded(say('clock.noDate')) };
  // The Date header has whole seconds: compare with the middle of the round trip, allow the rounding.
  const local = (sent + received) / 2;
  const skew = Math.round((local - server) / 1000);
  const amount = Math.abs(skew) <= 1 ? 0 : Math.abs(skew);
  const ahead = skew > 0;
  if (amount <= CLOCK_TOLERANCE_S) {
    const message = amount === 0 ? say('clock.inStep') : say(ahead ? 'clock.aheadTolerated' : 'clock.behindTolerated', { n: amount });
    return { id: 'clock', title: 'Clock', status: 'ok', ...worded(message) };
  }
  return {
    id: 'clock',
    title: 'Clock',
    status: amount > CLOCK_PROBLEM_S ? 'problem' : 'warning',
    ...worded(say(ahead ? 'clock.ahead' : 'clock.behind', { n: amount }), [say('clock.fix')]),
  };
}

async function keysCheck(metadata: Record<string, unknown>, timeoutMs: number, now: () => number): Promise<Check> {
  const jwksUri = metadata['jwks_uri'];
  if (typeof jwksUri !== 'string') return { id: 'keys', title: 'Signing keys', status: 'problem', ...worded(say('keys.noUri')) };
  const got = await fetchWithTimeout(jwksUri, timeoutMs, now, { headers: { accept: 'application/json' } });
  if (!got.res) return { id: 'keys', title: 'Signing keys', status: 'problem', ...worded(say('net.urlFailure', { url: jwksUri, failure: got.failure! }), [say('keys.reachFix')]) };
  const keys = parseJson(got.body)?.['keys'];
  const signing = Array.isArray(keys) ? keys.filter((k: { kty?: unknown; use?: unknown }) => k?.kty === 'RSA' && (k.use === undefined || k.use === 'sig')) : [];
  if (!got.res.ok || signing.length === 0) {
    return { id: 'keys', title: 'Signing keys', status: 'problem', ...worded(say('keys.none', { url: jwksUri, status: got.res.status }), [say('keys.hostFix')]) };
  }
  return { id: 'keys', title: 'Signing keys', status: 'ok', ...worded(say('keys.ok', { n: signing.length })) };
}

/**
 * One client-credentials token request: proves the client id and credential without a user. The token is
 * thrown away; only the outcome is reported.
 */
export async function clientCredentialsCheck(
  metadata: Record<string, unknown>,
  config: Config,
  clientAuth: client.ClientAuth,
  timeoutMs: number,
): Promise<Check> {
  const title = 'Client ID and secret';
  // Microsoft Graph of the configured cloud (ENTRA_CLOUD / ENTRA_GRAPH_HOST): any app may ask for .default.
  const scope = `${config.entra.graphHost}/.default`;
  const cfg = new client.Configuration(metadata as unknown as client.ServerMetadata, config.entra.clientId, undefined, clientAuth);
  if (config.entra.allowInsecureHttp) client.allowInsecureRequests(cfg);
  cfg[client.customFetch] = (url, init) => fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) } as RequestInit);
  try {
    await client.clientCredentialsGrant(cfg, { scope });
    return { id: 'client_credentials', title, status: 'ok', ...worded(say('credentials.ok', { scope })) };
  } catch (err) {
    const body = err instanceof client.ResponseBodyError ? (err.cause as Record<string, unknown>) : undefined;
    const explained = body ? entraProblem('client_credentials', title, body, config, say('credentials.refused')) : undefined;
    if (explained) return explained;
    const e = err as { code?: string; message?: string };
    return {
      id: 'client_credentials',
      title,
      status: 'problem',
      ...worded(say('credentials.failed', { failure: e.code === 'OAUTH_TIMEOUT' ? say('net.timeout', { s: timeoutMs / 1000 }) : networkFailure(err, timeoutMs) }), [
        say('credentials.reachFix', { host: config.entra.authorityHost }),
      ]),
    };
  }
}

/**
 * Asks the authorization endpoint, without a user (prompt=none), to send a browser back to our redirect
 * URI. Entra only redirects to a registered Web redirect URI; otherwise it shows its own error page with
 * the AADSTS code (50011 and friends), which is read here.
 */
async function redirectUriCheck(metadata: Record<string, unknown>, config: Config, timeoutMs: number, now: () => number): Promise<Check> {
  const title = 'Redirect URI';
  const endpoint = metadata['authorization_endpoint'];
  if (typeof endpoint !== 'string') return { id: 'redirect_uri', title, status: 'problem', ...worded(say('redirect.noEndpoint')) };
  const url = new URL(endpoint);
  const verifier = randomBytes(32).toString('base64url');
  url.search = new URLSearchParams({
    client_id: config.entra.clientId,
    response_type: 'code',
    redirect_uri: config.redirectUri,
    response_mode: 'query',
    scope: 'openid',
    prompt: 'none',
    state: randomBytes(16).toString('base64url'),
    nonce: randomBytes(16).toString('base64url'),
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  }).toString();
  const got = await fetchWithTimeout(url.href, timeoutMs, now, { redirect: 'manual' });
  if (!got.res) return { id: 'redirect_uri', title, status: 'warning', ...worded(say('redirect.unreachable', { endpoint, failure: got.failure! })) };
  const location = got.res.headers.get('location');
  if (location && location.startsWith(`${config.redirectUri}?`)) {
    return { id: 'redirect_uri', title, status: 'ok', ...worded(say('redirect.ok', { uri: config.redirectUri })) };
  }
  const code = /AADSTS(\d{4,9})/.exec(got.body ?? '')?.[1];
  if (code) {
    const checked = entraProblem('redirect_uri', title, { error: 'invalid_request', error_codes: [code] }, config, say('redirect.refused', { uri: config.redirectUri }));
    if (checked) return checked;
  }
  return {
    id: 'redirect_uri',
    title,
    status: 'warning',
    ...worded(say(location ? 'redirect.unconfirmedElsewhere' : 'redirect.unconfirmed', { uri: config.redirectUri, status: got.res.status }), [
      say('redirect.unconfirmedFix', { uri: config.redirectUri }),
    ]),
  };
}

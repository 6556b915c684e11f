/**
 * A set-up mistake the running server has found (a tenant Entra does not know, a client credential it
 * refuses), in the doctor's words: the same title, cause and steps as `npm run doctor` prints, because both
 * read them from the code table (src/auth/entra-errors.ts) through `explainEntraAnswer`. The log line,
 * `/readyz` and the sign-in page all carry one of these, so an admin who cannot sign in still learns the
 * cause and the fix. Nothing here holds a secret: the steps name variables and public identifiers only.
 */
import type { Config } from '../config.js';
import type { Locale } from '../i18n/i18n.js';
import { explainEntraError, fillSteps, parseEntraError, type StepValues } from './entra-errors.js';

export type SetupCheck = 'discovery' | 'credential';

export interface SetupProblem {
  /** Which start-up check found it. */
  readonly check: SetupCheck;
  /**
   * True when retrying cannot help until someone changes the configuration or the app registration (Entra
   * answered with an error); false for an outage (no answer, a 5xx), which heals by itself.
   */
  readonly permanent: boolean;
  /** Plain-language title, e.g. "The tenant was not found". */
  readonly title: string;
  /** One sentence for the admin: what was asked, what Entra answered, the usual cause. */
  readonly message: string;
  /** What to do, in order (filled with this deployment's values). */
  readonly fix: readonly string[];
  readonly aadsts?: string;
  /** The OAuth `error` Entra sent (invalid_tenant, invalid_client...). */
  readonly error?: string;
  readonly traceId?: string;
  readonly correlationId?: string;
  readonly helpLink?: string;
}

/** This deployment's values that the table's steps refer to (`{redirectUri}`, `{tenantId}`...). */
export function stepValuesOf(config: Config): StepValues {
  return {
    redirectUri: config.redirectUri,
    postLogoutRedirectUri: config.postLogoutRedirectUri,
    clientId: config.entra.clientId,
    tenantId: config.entra.tenantId,
    authorityHost: config.entra.authorityHost,
  };
}

export type EntraAnswer = Omit<SetupProblem, 'check' | 'permanent'>;

/**
 * An Entra error body (discovery, token endpoint) explained for the admin, or undefined when the body is
 * not one. `context` says what was asked ("the token endpoint refused the client credentials"), in `locale`
 * (English for the logs and `/readyz`; the admin status page asks for its page's language too).
 */
export function explainEntraAnswer(body: Record<string, unknown>, values: StepValues, context: string, locale: Locale = 'en'): EntraAnswer | undefined {
  const entra = parseEntraError(body);
  if (!entra) return undefined;
  const x = explainEntraError(entra, locale);
  const code = entra.aadsts ? `AADSTS${entra.aadsts}` : entra.error;
  const cause = fillSteps([x.cause], values)[0]!;
  const message =
    locale === 'ja'
      ? `${context}：${x.title}（${code}）。${cause}${idsText(entra, 'トレース ID', '相関 ID', '、', '［', '］')}`
      : `${context}: ${x.title} (${code}). ${cause}${idsText(entra, 'trace ID', 'correlation ID', ', ', ' [', ']')}`;
  return {
    title: x.title,
    message,
    fix: fillSteps(x.steps, values),
    error: entra.error,
    ...(entra.aadsts ? { aadsts: entra.aadsts } : {}),
    ...(entra.traceId ? { traceId: entra.traceId } : {}),
    ...(entra.correlationId ? { correlationId: entra.correlationId } : {}),
    helpLink: x.helpLink,
  };
}

function idsText(entra: { traceId?: string; correlationId?: string }, trace: string, correlation: string, comma: string, open: string, close: string): string {
  const ids = [entra.traceId && `${trace} ${entra.traceId}`, entra.correlationId && `${correlation} ${entra.correlationId}`].filter(Boolean).join(comma);
  return ids ? `${open}${ids}${close}` : '';
}

/** The problem as one log message: the title, the cause and the numbered steps. */
export function problemLogMessage(lead: string, problem: Pick<SetupProblem, 'message' | 'fix'>): string {
  const steps = problem.fix.map((s, i) => (problem.fix.length > 1 ? `${i + 1}. ${s}` : s)).join(' ');
  return `${lead}: ${problem.message}${steps ? ` Fix: ${steps}` : ''}`;
}

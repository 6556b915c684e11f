import * as client from 'openid-client';
import { SignInError, SignInReason } from '../errors.js';
import { createTranslator } from '../i18n/i18n.js';
import { catalogueCode, parseEntraError, type EntraError } from './entra-errors.js';

// The message of an Entra SignInError is English (logs, JSON); pages translate from the same catalogue keys.
const english = createTranslator('en');

// openid-client / oauth4webapi codes that mean "the provider's answer was broken", not "the token was bad".
const PROVIDER_FAULTS = new Set(['OAUTH_RESPONSE_IS_NOT_JSON', 'OAUTH_RESPONSE_IS_NOT_CONFORM', 'OAUTH_PARSE_ERROR']);
const NETWORK_FAULTS = new Set(['OAUTH_TIMEOUT', 'OAUTH_ABORT', 'ETIMEDOUT', 'ECONNREFUSED', 'ECONNRESET']);

/**
 * An error Entra reported (on the callback or at the token endpoint) as a SignInError. The message is the
 * end user's title for the code; the parsed facts travel in `details` so the error page can show the
 * codes to quote to everyone and the technical part (description, admin steps) to admins only.
 */
export function entraSignInError(entra: EntraError, status: number, cause?: unknown): SignInError {
  const message =
    (entra.aadsts ? english.lookup(`aadsts.${catalogueCode(entra.aadsts)}.title`) : undefined) ??
    english.lookup(`oauth.${entra.error}.title`) ??
    english.t('error.signin_entra_error');
  return new SignInError(SignInReason.entraError, status, message, {
    ...(cause === undefined ? {} : { cause }),
    details: {
      error: entra.error,
      ...(entra.aadsts ? { aadsts: entra.aadsts } : {}),
      ...(entra.traceId ? { traceId: entra.traceId } : {}),
      ...(entra.correlationId ? { correlationId: entra.correlationId } : {}),
      ...(entra.timestamp ? { timestamp: entra.timestamp } : {}),
      ...(entra.description ? { description: entra.description } : {}),
    },
  });
}

/**
 * Translates what openid-client throws during the code exchange into a SignInError, keeping the
 * original as `cause` for the logs. Only the codes whose meaning we know are mapped specifically.
 */
export function translateOidcError(err: unknown): SignInError {
  if (err instanceof client.ResponseBodyError) {
    // The token endpoint answered with an OAuth error; Entra's body carries AADSTS codes and ids.
    const entra = parseEntraError(err.cause as Record<string, unknown>) ?? { error: err.error };
    return entraSignInError(entra, err.status < 500 ? 400 : 502, err);
  }
  if (err instanceof client.AuthorizationResponseError) {
    const params = err.cause instanceof URLSearchParams ? err.cause : new URLSearchParams();
    return entraSignInError(parseEntraError(params) ?? { error: err.error }, err.error === 'access_denied' ? 403 : 400, err);
  }
  const code = errorCode(err);
  if (code && NETWORK_FAULTS.has(code)) {
    return new SignInError(SignInReason.providerUnreachable, 504, 'Microsoft Entra ID did not answer in time. Please try again.', { cause: err });
  }
  if (err instanceof TypeError && /fetch failed/i.test(err.message)) {
    return new SignInError(SignInReason.providerUnreachable, 502, 'Microsoft Entra ID could not be reached. Please try again.', { cause: err });
  }
  if (code && PROVIDER_FAULTS.has(code)) {
    return new SignInError(SignInReason.providerError, 502, 'Microsoft Entra ID sent an answer that could not be read. Please try again.', { cause: err });
  }
  return new SignInError(SignInReason.invalidToken, 401, 'The sign-in response from Microsoft Entra ID could not be verified. Please try again.', {
    cause: err,
  });
}

function errorCode(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const own = (err as { code?: unknown }).code;
  if (typeof own === 'string') return own;
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'OAUTH_TIMEOUT';
  const cause = err.cause as { code?: unknown; name?: string } | undefined;
  if (cause?.name === 'TimeoutError' || cause?.name === 'AbortError') return 'OAUTH_TIMEOUT';
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

import * as client from 'openid-client';
import { SignInError } from '../errors.js';
import { explainEntraError, parseEntraError } from './entra-errors.js';

// openid-client / oauth4webapi codes that mean "the provider's answer was broken", not "the token was bad".
const PROVIDER_FAULTS = new Set(['OAUTH_RESPONSE_IS_NOT_JSON', 'OAUTH_RESPONSE_IS_NOT_CONFORM', 'OAUTH_PARSE_ERROR']);
const NETWORK_FAULTS = new Set(['OAUTH_TIMEOUT', 'OAUTH_ABORT', 'ETIMEDOUT', 'ECONNREFUSED', 'ECONNRESET']);

/**
 * Translates what openid-client throws during the code exchange into a SignInError, keeping the
 * original as `cause` for the logs. Only the codes whose meaning we know are mapped specifically.
 */
export function translateOidcError(err: unknown): SignInError {
  if (err instanceof client.ResponseBodyError) {
    // The token endpoint answered with an OAuth error; Entra's body carries AADSTS codes and ids.
    const entra = parseEntraError(err.cause as Record<string, unknown>) ?? { error: err.error };
    const explained = explainEntraError(entra);
    return new SignInError('token_error', err.error === 'invalid_grant' || err.status < 500 ? 400 : 502, explained.title, {
      cause: err,
      details: {
        error: entra.error,
        advice: explained.advice,
        ...(entra.aadsts ? { aadsts: entra.aadsts } : {}),
        ...(entra.traceId ? { traceId: entra.traceId } : {}),
        ...(entra.correlationId ? { correlationId: entra.correlationId } : {}),
      },
    });
  }
  if (err instanceof client.AuthorizationResponseError) {
    return new SignInError('entra_error', 400, 'Microsoft Entra ID reported an error.', { cause: err, details: { error: err.error } });
  }
  const code = errorCode(err);
  if (code && NETWORK_FAULTS.has(code)) {
    return new SignInError('provider_unreachable', 504, 'Microsoft Entra ID did not answer in time. Please try again.', { cause: err });
  }
  if (err instanceof TypeError && /fetch failed/i.test(err.message)) {
    return new SignInError('provider_unreachable', 502, 'Microsoft Entra ID could not be reached. Please try again.', { cause: err });
  }
  if (code && PROVIDER_FAULTS.has(code)) {
    return new SignInError('provider_error', 502, 'Microsoft Entra ID sent an answer that could not be read. Please try again.', { cause: err });
  }
  return new SignInError('invalid_token', 401, 'The sign-in response from Microsoft Entra ID could not be verified. Please try again.', {
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

import { explainEntraError } from '../auth/entra-errors.js';
import { AppError, SignInError, UpstreamError } from '../errors.js';

/**
 * The main action of an error page, chosen by the cause: "Try signing in again" only where trying again can
 * work. When Entra refused the account (AADSTS50105, another tenant's account...), only another account helps;
 * when the app's own set-up is wrong (a bad or expired client secret, AADSTS7000215/7000222, a redirect URI
 * mismatch...), nothing the user does helps, so the page leads to what to tell the administrator.
 */
export type ErrorActionKind = 'retry' | 'sign-in' | 'sign-in-again' | 'different-account' | 'tell-admin' | 'home';

export interface ErrorActions {
  readonly primary: ErrorActionKind;
  /** The secondary actions, shown as plain links below the main one. */
  readonly secondary: readonly ErrorActionKind[];
}

// Entra refused this account; another account (or the admin assigning this one) is the way out.
const ACCOUNT_CODES = new Set(['50105', '50020', '50034', '50126']);

export function errorActions(err: AppError, options: { readonly canRetry: boolean }): ErrorActions {
  if (options.canRetry && (err.status === 503 || err instanceof UpstreamError)) return { primary: 'retry', secondary: ['home'] };
  if (err.code === 'signin_wrong_tenant' || err.code === 'signin_personal_account') return { primary: 'different-account', secondary: ['tell-admin'] };
  if (err instanceof SignInError) {
    const aadsts = err.details['aadsts'];
    if (aadsts && ACCOUNT_CODES.has(aadsts)) return { primary: 'different-account', secondary: ['tell-admin'] };
    const error = err.details['error'];
    if (aadsts || error) {
      // The code table says who can fix it: the person signing in can try again; an admin or support cannot be waited for.
      const { fixer } = explainEntraError({ error: error ?? '', aadsts });
      return fixer === 'user' ? { primary: 'sign-in-again', secondary: ['tell-admin'] } : { primary: 'tell-admin', secondary: ['home'] };
    }
    // Our own checks of the answer: a spent or foreign state is cured by starting again.
    if (err.status < 500 || err.reason === 'provider_unreachable' || err.reason === 'provider_error') return { primary: 'sign-in-again', secondary: ['home'] };
    return { primary: 'tell-admin', secondary: ['home'] };
  }
  if (err.code === 'error_reference_expired') return { primary: 'sign-in-again', secondary: ['home'] };
  if (err.status === 401) return { primary: 'sign-in', secondary: [] };
  if (err.status >= 500) return { primary: 'home', secondary: ['tell-admin'] };
  return { primary: 'home', secondary: [] };
}

import type { Logger } from '../logger.js';
import type { SignInError } from '../errors.js';
import type { SessionUser } from './session-user.js';

/**
 * What a sign-in callback ended in, reported once by the auth router (its `onSignIn` observer) to whoever
 * counts or keeps sign-ins: the metrics and the failure log (wired in src/app.ts). A silent renewal that Entra
 * could not complete and that falls back to the interactive sign-in is not an outcome: that sign-in follows.
 */
export type SignInOutcome =
  | { readonly outcome: 'success'; readonly user: SessionUser; readonly requestId: string; readonly log: Logger }
  | { readonly outcome: 'failure'; readonly error: SignInError; readonly requestId: string; readonly log: Logger };

export type SignInObserver = (outcome: SignInOutcome) => void;

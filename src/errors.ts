/**
 * Every error code the product reports, one constant each, so a code found in a log line, a JSON body or a
 * metric greps to the place that throws it. The values are stable: logs, tests, JSON bodies and the i18n
 * catalogues (`error.<code>`) key on them.
 */
export const ErrorCode = {
  unauthenticated: 'unauthenticated',
  notFound: 'not_found',
  badRequest: 'bad_request',
  payloadTooLarge: 'payload_too_large',
  uriTooLong: 'uri_too_long',
  headersTooLarge: 'headers_too_large',
  internalError: 'internal_error',
  rateLimited: 'rate_limited',
  storeUnavailable: 'store_unavailable',
  upstreamUnavailable: 'upstream_unavailable',
  upstreamTimeout: 'upstream_timeout',
  missingRole: 'missing_role',
  missingGroup: 'missing_group',
  csrf: 'csrf',
  invalidSid: 'invalid_sid',
  invalidIssuer: 'invalid_issuer',
  invalidConsentTenant: 'invalid_consent_tenant',
  invalidConsentState: 'invalid_consent_state',
  repeatedLoginOption: 'repeated_login_option',
  invalidPrompt: 'invalid_prompt',
  invalidLoginHint: 'invalid_login_hint',
  invalidDomainHint: 'invalid_domain_hint',
  signinNotConfigured: 'signin_not_configured',
  authorityUnavailable: 'authority_unavailable',
  errorReferenceExpired: 'error_reference_expired',
} as const;

/** Why a sign-in failed: a SignInError's `reason` (its code is `signin_<reason>`). */
export const SignInReason = {
  /** The callback carried no state, or several. */
  invalidState: 'invalid_state',
  /** A state never issued, expired or already used. */
  unknownState: 'unknown_state',
  /** The state belongs to a sign-in started in another browser. */
  browserMismatch: 'browser_mismatch',
  /** Entra answered with an error (callback or token endpoint); details carry its codes. */
  entraError: 'entra_error',
  providerUnreachable: 'provider_unreachable',
  providerError: 'provider_error',
  invalidToken: 'invalid_token',
  personalAccount: 'personal_account',
  wrongTenant: 'wrong_tenant',
  groupsUnavailable: 'groups_unavailable',
} as const;

/**
 * Every failure the product reports is one of these. `code` is stable (logs, tests, JSON bodies);
 * `status` is what the client gets; `cause` keeps the original library error for the logs only.
 * Only the single error handler turns them into responses.
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  /** Extra, non-secret facts that the error page may show (trace ids, AADSTS code...). */
  readonly details: Readonly<Record<string, string>>;

  constructor(code: string, status: number, message: string, options: { cause?: unknown; details?: Record<string, string> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.details = Object.freeze({ ...options.details });
  }
}

/**
 * The configuration cannot run: every problem, one per line, each naming its variable. `issues` are the same
 * problems as `{ variable, message }` (the doctor's lines); `warnings` the likely typos (src/config/typos.ts),
 * printed after the problems since a misspelt name is often why a required one is missing.
 */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  readonly issues: readonly { readonly variable: string; readonly message: string }[];
  readonly warnings: readonly { readonly variable: string; readonly suggestion: string; readonly message: string }[];
  constructor(
    problems: string[],
    details: { issues?: readonly { variable: string; message: string }[]; warnings?: readonly { variable: string; suggestion: string; message: string }[] } = {},
  ) {
    const warnings = details.warnings ?? [];
    super(`Invalid configuration:\n${[...problems, ...warnings.map((w) => w.message)].map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = Object.freeze([...problems]);
    this.issues = Object.freeze([...(details.issues ?? [])]);
    this.warnings = Object.freeze([...warnings]);
  }
}

export class BadRequestError extends AppError {
  constructor(code: string, message: string, options: { cause?: unknown; details?: Record<string, string> } = {}) {
    super(code, 400, message, options);
  }
}

export class UnauthenticatedError extends AppError {
  constructor() {
    super(ErrorCode.unauthenticated, 401, 'Sign-in required.');
  }
}

export class ForbiddenError extends AppError {
  constructor(code: string, message: string, options: { cause?: unknown; details?: Record<string, string> } = {}) {
    super(code, 403, message, options);
  }
}

/**
 * A signed-in user who lacks what the page needs (an app role, a group). Signing in again as the same
 * account cannot help, so the 403 page offers a different account and sign-out, never a redirect to sign-in
 * (which would loop). `required` names what is missing; it is a configured role value or group id, never a secret.
 */
export class AccessDeniedError extends ForbiddenError {
  readonly required: { readonly kind: 'role' | 'group'; readonly values: readonly string[] };
  constructor(code: typeof ErrorCode.missingRole | typeof ErrorCode.missingGroup, values: readonly string[], message: string) {
    const kind = code === ErrorCode.missingRole ? 'role' : 'group';
    super(code, message, { details: { [kind]: values.join(', ') } });
    this.required = Object.freeze({ kind, values: Object.freeze([...values]) });
  }
}

export class NotFoundError extends AppError {
  constructor() {
    super(ErrorCode.notFound, 404, 'There is no page at this address.');
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(code, 503, message, options);
  }
}

/**
 * Sign-in cannot work until an admin changes the configuration or the app registration (a tenant Entra does
 * not know, an issuer for another tenant). Not a 503: waiting does not help, so the page says the
 * administrator has been told instead of "try again in a moment". The server keeps retrying in the
 * background, so a fix made in Entra heals it without a restart.
 */
export class SetupError extends AppError {
  constructor(code: string, message: string, options: { cause?: unknown; details?: Record<string, string> } = {}) {
    super(code, 500, message, options);
  }
}

/**
 * A sign-in that did not complete: Entra said no, or what came back failed validation.
 * Always 4xx/5xx with a friendly page; never creates a session.
 */
export class SignInError extends AppError {
  readonly reason: string;
  constructor(
    reason: string,
    status: number,
    message: string,
    options: { cause?: unknown; details?: Record<string, string> } = {},
  ) {
    super(`signin_${reason}`, status, message, options);
    this.reason = reason;
  }
}

/**
 * Callback refusals decided before the login transaction and the browser binding were checked (no state, a state
 * never issued or already used, a state from another browser): anyone can send such a callback with any error and
 * AADSTS code in it. They are logged and counted by reason only, never listed as a user's failed sign-in.
 */
export const UNBOUND_CALLBACK_REASONS: ReadonlySet<string> = new Set([SignInReason.invalidState, SignInReason.unknownState, SignInReason.browserMismatch]);

/**
 * Gateway mode: the upstream could not be reached (502) or did not answer in time (504). The client sees
 * a friendly page with the request id; the cause (ECONNREFUSED, host names...) goes to the log only.
 */
export class UpstreamError extends AppError {
  constructor(code: typeof ErrorCode.upstreamUnavailable | typeof ErrorCode.upstreamTimeout, options: { cause?: unknown } = {}) {
    const timeout = code === ErrorCode.upstreamTimeout;
    super(
      code,
      timeout ? 504 : 502,
      timeout
        ? 'The iLOGON_MHA application took too long to answer. Please try again in a moment.'
        : 'The iLOGON_MHA application cannot be reached right now. Please try again in a moment.',
      options,
    );
  }
}

/**
 * The shared store (Redis) did not answer. A 503 "try again", never a silent "signed out": treating an
 * unreachable store as "no session" would bounce every signed-in user to sign-in and lose their place.
 */
export class StoreUnavailableError extends ServiceUnavailableError {
  readonly operation: string;
  constructor(operation: string, options: { cause?: unknown } = {}) {
    super(ErrorCode.storeUnavailable, 'iLOGON_MHA is briefly unavailable (the session store cannot be reached). Please try again in a moment.', options);
    this.operation = operation;
  }
}

/** Too many sign-in requests from one client address; `retryAfterSeconds` becomes the Retry-After header. */
export class TooManyRequestsError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super(ErrorCode.rateLimited, 429, 'Too many sign-in attempts from your network. Please wait a moment and try again.');
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * Requests a gate refuses to judge (always 400, never forwarded): what the gate would judge and what the
 * backend would act on could differ. `ambiguous_path`: a path that backends read in more than one way
 * (src/http/canonical-path.ts; `details.reason` says which rule). `connection_names_protected_header`:
 * Connection lists a framing, routing or identity header, which a proxy must then remove (request smuggling).
 * `original_uri_conflict` / `original_uri_missing`: /auth/check was not told exactly one original URI.
 */
export const UNJUDGEABLE_REQUEST_CODES = ['ambiguous_path', 'connection_names_protected_header', 'original_uri_conflict', 'original_uri_missing'] as const;
export type UnjudgeableRequestCode = (typeof UNJUDGEABLE_REQUEST_CODES)[number];

const UNJUDGEABLE_MESSAGES: Readonly<Record<UnjudgeableRequestCode, string>> = {
  ambiguous_path: 'This address can be read in more than one way, so it is not opened.',
  connection_names_protected_header: 'This request cannot be forwarded safely: its Connection header names a header the application needs.',
  original_uri_conflict: 'The proxy in front of iLOGON_MHA Sign-in named two different original addresses.',
  original_uri_missing: 'The proxy in front of iLOGON_MHA Sign-in did not name the original address to check.',
};

export class UnjudgeableRequestError extends AppError {
  /**
   * 400, except where the caller speaks a protocol that knows only allow and deny: /auth/check answers an
   * ambiguous original URI 403, since nginx's auth_request turns any other status into a 500.
   */
  constructor(code: UnjudgeableRequestCode, options: { details?: Record<string, string>; status?: 400 | 403 } = {}) {
    super(code, options.status ?? 400, UNJUDGEABLE_MESSAGES[code], options.details ? { details: options.details } : {});
  }
}

/**
 * The library reason behind an error, for the logs (never a page): openid-client wraps oauth4webapi's precise
 * reason ("unexpected JWT "alg" header parameter") in a generic "invalid response encountered", so the innermost
 * reason is named too. Library texts only, never token contents.
 */
export function describeCause(err: unknown): string | undefined {
  const cause = err instanceof Error ? (err.cause ?? undefined) : undefined;
  if (!(cause instanceof Error)) return undefined;
  let inner: unknown = cause.cause;
  for (let depth = 0; depth < 3 && inner instanceof Error && inner.cause instanceof Error; depth++) inner = inner.cause;
  const detail = inner instanceof Error && inner.message && inner.message !== cause.message ? ` (${inner.message})` : '';
  return `${(cause as { code?: string }).code ?? cause.name}: ${cause.message}${detail}`;
}

/**
 * Entra error responses (callback query or token endpoint JSON) parsed into one shape, with the
 * AADSTS code mapped to words an end user and an admin can act on. Microsoft warns that the texts change:
 * the mapping is by code, best effort, and the trace and correlation ids are always kept for support.
 */
export interface EntraError {
  readonly error: string;
  readonly description?: string;
  /** The AADSTS number, e.g. "50105". */
  readonly aadsts?: string;
  readonly traceId?: string;
  readonly correlationId?: string;
  readonly timestamp?: string;
}

export interface AadstsExplanation {
  readonly title: string;
  /** Who can fix it. */
  readonly fixer: 'user' | 'admin' | 'support';
  readonly advice: string;
}

const GUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

type Source = Record<string, unknown> | URLSearchParams;

export function parseEntraError(source: Source): EntraError | undefined {
  const get = (name: string): string | undefined => {
    const v = source instanceof URLSearchParams ? source.get(name) : source[name];
    return typeof v === 'string' && v.length > 0 ? v.slice(0, 2000) : undefined;
  };
  const error = get('error');
  if (!error) return undefined;
  const description = get('error_description');
  const codes = source instanceof URLSearchParams ? source.get('error_codes') : source['error_codes'];
  const firstCode = Array.isArray(codes) ? codes[0] : typeof codes === 'string' ? codes.replace(/[[\]\s]/g, '').split(',')[0] : undefined;
  const aadsts =
    (typeof firstCode === 'number' || (typeof firstCode === 'string' && /^\d+$/.test(firstCode)) ? String(firstCode) : undefined) ??
    description?.match(/AADSTS(\d+)/)?.[1];
  const traceId = get('trace_id') ?? description?.match(new RegExp(`Trace ID: (${GUID})`, 'i'))?.[1];
  const correlationId = get('correlation_id') ?? description?.match(new RegExp(`Correlation ID: (${GUID})`, 'i'))?.[1];
  const timestamp = get('timestamp') ?? description?.match(/Timestamp: ([0-9T:. -]+Z)/)?.[1];
  return {
    error,
    ...(description ? { description } : {}),
    ...(aadsts ? { aadsts } : {}),
    ...(traceId ? { traceId } : {}),
    ...(correlationId ? { correlationId } : {}),
    ...(timestamp ? { timestamp } : {}),
  };
}

const EXPLANATIONS: Record<string, AadstsExplanation> = {
  '50105': {
    title: 'Your account has not been given access to iLOGON_MHA',
    fixer: 'admin',
    advice: 'Ask your administrator to assign you (or a group you are in) to the iLOGON_MHA application in Microsoft Entra ID.',
  },
  '50011': {
    title: 'The sign-in address registered in Entra does not match',
    fixer: 'admin',
    advice: 'In the app registration, under Authentication > Web, register exactly BASE_URL/auth/callback.',
  },
  '700016': {
    title: 'iLOGON_MHA is not set up in this organization',
    fixer: 'admin',
    advice: 'Check ENTRA_CLIENT_ID (the Application (client) ID) and ENTRA_TENANT_ID, and that an admin has consented.',
  },
  '7000215': {
    title: 'The application secret is not valid',
    fixer: 'admin',
    advice: 'ENTRA_CLIENT_SECRET must be the secret\'s Value, not its Secret ID.',
  },
  '7000222': {
    title: 'The application secret has expired',
    fixer: 'admin',
    advice: 'Create a new client secret in Entra and update ENTRA_CLIENT_SECRET.',
  },
  '65001': {
    title: 'Consent has not been granted',
    fixer: 'admin',
    advice: 'An administrator must grant consent for iLOGON_MHA in Microsoft Entra ID.',
  },
  '50020': {
    title: 'This account is from another organization',
    fixer: 'admin',
    advice: 'Sign in with your work account, or ask your administrator to invite you as a guest.',
  },
  '54005': {
    title: 'This sign-in was already used',
    fixer: 'user',
    advice: 'Start the sign-in again.',
  },
};

const ERROR_FALLBACK: Record<string, AadstsExplanation> = {
  access_denied: { title: 'Sign-in was cancelled or denied', fixer: 'user', advice: 'Try signing in again. If it keeps happening, contact your administrator.' },
  consent_required: EXPLANATIONS['65001']!,
  interaction_required: { title: 'Microsoft needs you to sign in again', fixer: 'user', advice: 'Start the sign-in again.' },
  login_required: { title: 'Microsoft needs you to sign in again', fixer: 'user', advice: 'Start the sign-in again.' },
  temporarily_unavailable: { title: 'Microsoft sign-in is temporarily unavailable', fixer: 'user', advice: 'Wait a minute and try again.' },
  server_error: { title: 'Microsoft sign-in had a problem', fixer: 'user', advice: 'Wait a minute and try again.' },
};

const GENERIC: AadstsExplanation = {
  title: 'Sign-in did not complete',
  fixer: 'admin',
  advice: 'Try again. If it keeps happening, give your administrator the codes below.',
};

export function explainEntraError(err: EntraError): AadstsExplanation {
  return (err.aadsts && EXPLANATIONS[err.aadsts]) || ERROR_FALLBACK[err.error] || GENERIC;
}

export function entraHelpLink(aadsts: string): string {
  return `https://login.microsoftonline.com/error?code=${encodeURIComponent(aadsts)}`;
}

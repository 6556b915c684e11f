/**
 * Entra error responses (callback query or token endpoint JSON) parsed into one shape, and the AADSTS
 * codes an admin meets while setting the product up, mapped to words an end user and an admin can act on.
 *
 * This table is the single source: the callback's error page, the doctor, the admin status page, the
 * logs and the README's Troubleshooting section (generated from it, checked by a test) all read it.
 * Microsoft warns that the texts change: the mapping is by code, best effort, and the trace and
 * correlation ids are always kept so support can find the sign-in in Entra's logs.
 *
 * The words for the person signing in are in the language catalogues (src/i18n/*.ts), under
 * `aadsts.<first code of the entry>.title|advice` (see `catalogueCode`; a test checks every entry has them).
 * The admin part (title, cause, steps) is here, in English, for the technical section of the error page,
 * the doctor and the README. `{redirectUri}`-style placeholders in steps are filled by `fillSteps`.
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

/** Who can fix it: the person signing in, the customer's Entra admin, or iLOGON_MHA support. */
export type Fixer = 'user' | 'admin' | 'support';

export interface EntraErrorEntry {
  /** One or more AADSTS numbers sharing the same meaning and fix. */
  readonly codes: readonly string[];
  /** Plain-language title for the admin (what Entra means). */
  readonly title: string;
  readonly fixer: Fixer;
  /** The usual cause with this product. */
  readonly cause: string;
  /** What the admin (or whoever `fixer` names) does, in order. */
  readonly steps: readonly string[];
}

/** What every page and report needs about one error: the table entry plus Entra's help link. */
export interface AadstsExplanation extends Omit<EntraErrorEntry, 'codes'> {
  /** The AADSTS code this explanation is for, when Entra sent one. */
  readonly aadsts?: string;
  /** Entra's own page for the code (or its error-code lookup when there is none). */
  readonly helpLink: string;
  /** False for the generic fallback: the code is not in our table. */
  readonly known: boolean;
}

const APP_REGISTRATION = 'In the Microsoft Entra admin center open Identity > Applications > App registrations > iLOGON_MHA.';
const GRANT_CONSENT = [
  APP_REGISTRATION,
  'Open API permissions and choose "Grant admin consent for <your organization>" (or Enterprise applications > iLOGON_MHA > Permissions > Grant admin consent).',
  'Ask the user to sign in again.',
];
const NEW_SECRET = [
  APP_REGISTRATION,
  'Open Certificates & secrets > Client secrets > New client secret.',
  'Copy the Value column right away (it is shown only once; the Secret ID next to it is not the secret) into ENTRA_CLIENT_SECRET.',
  'Restart iLOGON_MHA sign-in and run `npm run doctor` (in the container: `node dist/doctor.js`) to confirm.',
];

export const ENTRA_ERROR_TABLE: readonly EntraErrorEntry[] = [
  {
    codes: ['50011'],
    title: 'The redirect URI sent to Entra is not registered for the app',
    fixer: 'admin',
    cause: 'BASE_URL (scheme, host or port) differs from the redirect URI registered in Entra, a trailing slash differs, or the URI was added under a platform other than Web.',
    steps: [
      APP_REGISTRATION,
      'Open Authentication; under the Web platform add exactly {redirectUri} (and {postLogoutRedirectUri} for sign-out).',
      'Behind a proxy, BASE_URL must be the public https origin users type, and TRUST_PROXY the number of proxies.',
    ],
  },
  {
    codes: ['500113'],
    title: 'No reply address (redirect URI) is registered for the app',
    fixer: 'admin',
    cause: 'The app registration has no Web redirect URI.',
    steps: [APP_REGISTRATION, 'Open Authentication > Add a platform > Web and add exactly {redirectUri}.'],
  },
  {
    codes: ['9002325'],
    title: 'The redirect URI is registered as a single-page application (SPA)',
    fixer: 'admin',
    cause: 'The redirect URI sits under the Single-page application platform, so Entra treats the app as a browser app.',
    steps: [
      APP_REGISTRATION,
      'Open Authentication and remove {redirectUri} from Single-page application.',
      'Add it again under the Web platform.',
    ],
  },
  {
    codes: ['700016'],
    title: 'The application was not found in the directory',
    fixer: 'admin',
    cause: 'ENTRA_CLIENT_ID or ENTRA_TENANT_ID is wrong, the app is registered in another tenant or cloud, or it has not been consented to in this tenant.',
    steps: [
      APP_REGISTRATION,
      'On Overview copy the Application (client) ID into ENTRA_CLIENT_ID (now {clientId}) and the Directory (tenant) ID into ENTRA_TENANT_ID (now {tenantId}).',
      'If the app is registered in another tenant, an admin of this tenant must grant consent first.',
    ],
  },
  {
    codes: ['90002'],
    title: 'The tenant was not found',
    fixer: 'admin',
    cause: 'ENTRA_TENANT_ID has a typo or names a domain that is not verified, or the tenant lives in another cloud (US Government, China).',
    steps: [
      'In the Microsoft Entra admin center open Overview and copy the Tenant ID (a GUID) into ENTRA_TENANT_ID (now {tenantId}).',
      'If the tenant is in a national cloud, set ENTRA_CLOUD=usgov (US Government) or ENTRA_CLOUD=china (21Vianet), and use an app registration made in that cloud; ENTRA_AUTHORITY_HOST overrides the authority (now {authorityHost}).',
    ],
  },
  {
    codes: ['50194'],
    title: 'The app is not configured as multi-tenant',
    fixer: 'admin',
    cause: 'The common or organizations endpoint was used with an app that accepts only its own organization.',
    steps: ['Set ENTRA_TENANT_ID to the Directory (tenant) ID GUID from the app\'s Overview page.'],
  },
  {
    codes: ['7000215'],
    title: 'The client secret is not valid',
    fixer: 'admin',
    cause: 'The secret\'s Secret ID was pasted instead of its Value, the secret belongs to another app registration, or it was cut short.',
    steps: NEW_SECRET,
  },
  {
    codes: ['700027'],
    title: 'The certificate that signed the client assertion is not registered for the app',
    fixer: 'admin',
    cause: 'ENTRA_CLIENT_CERTIFICATE_PATH holds a certificate that was never uploaded to this app registration (or was deleted, or belongs to another app), so Entra cannot match its thumbprint (x5t#S256).',
    steps: [
      APP_REGISTRATION,
      'Open Certificates & secrets > Certificates and compare the Thumbprint column with the certificate in ENTRA_CLIENT_CERTIFICATE_PATH (`openssl x509 -in <file> -noout -fingerprint -sha1`).',
      'Upload the certificate (the .crt, public part only) with Upload certificate, or point ENTRA_CLIENT_CERTIFICATE_PATH at the one that is listed.',
      'Restart iLOGON_MHA sign-in and run `npm run doctor` (in the container: `node dist/doctor.js`) to confirm.',
    ],
  },
  {
    codes: ['700024'],
    title: 'The client assertion is not within its valid time range',
    fixer: 'admin',
    cause:
      'The token in ENTRA_CLIENT_ASSERTION_FILE has expired (the platform stopped refreshing it, or a copy of it was mounted instead of the projected file), or this machine\'s clock is off, so the assertion signed with ENTRA_CLIENT_CERTIFICATE_PATH looks expired or not yet valid to Entra.',
    steps: [
      'Run `npm run doctor` (in the container: `node dist/doctor.js`): its clock check compares this machine\'s clock with Entra\'s. If it is off, fix time synchronization (NTP) on the host.',
      'With ENTRA_CLIENT_ASSERTION_FILE: decode the middle part of the token in the file (base64url) and check that its exp lies in the future.',
      'Point ENTRA_CLIENT_ASSERTION_FILE at the token file the platform projects and refreshes (AKS workload identity: the pod label azure.workload.identity/use: "true" and the path in AZURE_FEDERATED_TOKEN_FILE), never at a copy of it.',
      'Restart iLOGON_MHA sign-in if the clock or the mount changed, and sign in again.',
    ],
  },
  {
    codes: ['7000222'],
    title: 'The client secret has expired',
    fixer: 'admin',
    cause: 'The secret is past the expiry date chosen when it was created.',
    steps: [...NEW_SECRET, 'Delete the expired secret and note the new expiry date; rotate before it.'],
  },
  {
    codes: ['7000218'],
    title: 'No client secret was sent',
    fixer: 'admin',
    cause: 'ENTRA_CLIENT_SECRET is empty or does not reach the process (for example not passed to the container).',
    steps: ['Set ENTRA_CLIENT_SECRET to the client secret\'s Value and make sure the process receives it (.env file, `docker run --env-file`, or your secret store).'],
  },
  {
    codes: ['700025'],
    title: 'The app is registered as a public client',
    fixer: 'admin',
    cause: 'The redirect URI is under Mobile and desktop applications, or "Allow public client flows" is on, so Entra refuses a client secret.',
    steps: [
      APP_REGISTRATION,
      'Open Authentication: move {redirectUri} to the Web platform, and set "Allow public client flows" to No.',
    ],
  },
  {
    codes: ['700054'],
    title: 'The request asked for an ID token from the authorization endpoint (implicit flow)',
    fixer: 'support',
    cause: 'Something sent response_type=id_token; iLOGON_MHA only uses the authorization-code flow, so this is not a set-up mistake.',
    steps: ['Leave "ID tokens" (implicit grant) unchecked in Entra.', 'Contact iLOGON_MHA support with the trace and correlation IDs.'],
  },
  {
    codes: ['50105'],
    title: 'The user is not assigned to the app',
    fixer: 'admin',
    cause: '"Assignment required" is on for iLOGON_MHA and neither the user nor a group they are in is assigned.',
    steps: [
      'In the Microsoft Entra admin center open Identity > Applications > Enterprise applications > iLOGON_MHA > Users and groups.',
      'Choose Add user/group and assign the user (or a group they are in).',
      'Or, to let everyone in the organization in, set Properties > Assignment required to No.',
    ],
  },
  {
    codes: ['65001'],
    title: 'Consent to the app has not been granted',
    fixer: 'admin',
    cause: 'Nobody has consented to iLOGON_MHA\'s permissions in this tenant, and users may not consent themselves.',
    steps: GRANT_CONSENT,
  },
  {
    codes: ['90094'],
    title: 'Admin consent is required',
    fixer: 'admin',
    cause: 'The tenant blocks user consent, so an administrator must approve iLOGON_MHA once for everyone.',
    steps: GRANT_CONSENT,
  },
  {
    codes: ['50020'],
    title: 'The account is from another tenant',
    fixer: 'admin',
    cause: 'A guest or a personal Microsoft account tried to sign in to an app that accepts only this organization.',
    steps: [
      'Ask the user to sign in with their account in this organization, or',
      'invite them as a guest: Identity > Users > Invite external user, then assign them to iLOGON_MHA.',
    ],
  },
  {
    codes: ['50034'],
    title: 'The user account does not exist in this directory',
    fixer: 'user',
    cause: 'A typo in the user name, or an account from another tenant than ENTRA_TENANT_ID ({tenantId}).',
    steps: ['Check the user name; check the user exists in this tenant (Identity > Users).'],
  },
  {
    codes: ['70011'],
    title: 'The requested scope is not valid',
    fixer: 'support',
    cause: 'iLOGON_MHA asked for a scope Entra does not accept; it sends only openid, profile and email.',
    steps: ['Contact iLOGON_MHA support with the trace and correlation IDs.'],
  },
  {
    codes: ['501481'],
    title: 'The PKCE code verifier did not match',
    fixer: 'support',
    cause: 'The sign-in\'s code verifier was lost or mixed up, for example several replicas without a shared store.',
    steps: ['With more than one replica, use a shared session store.', 'If it persists, contact iLOGON_MHA support with the trace and correlation IDs.'],
  },
  {
    codes: ['54005'],
    title: 'The authorization code was already redeemed',
    fixer: 'user',
    cause: 'The callback was loaded twice (reload, back button, or a bookmarked callback address).',
    steps: ['Start the sign-in again from the start page.'],
  },
  {
    codes: ['50058'],
    title: 'The user is not signed in to Microsoft (silent sign-in failed)',
    fixer: 'user',
    cause: 'A silent sign-in (prompt=none) found no Entra session in this browser.',
    steps: ['Sign in interactively.'],
  },
  {
    codes: ['50076', '50079', '53003', '53000'],
    title: 'Multi-factor authentication or Conditional Access stopped the sign-in',
    fixer: 'admin',
    cause: 'A policy of the tenant (MFA, MFA registration, a blocked location, or a compliant/managed device) applies; this is not a fault of iLOGON_MHA.',
    steps: [
      'In the Microsoft Entra admin center open Identity > Monitoring & health > Sign-in logs.',
      'Find the sign-in by its correlation ID and read which Conditional Access policy applied and why.',
    ],
  },
  {
    codes: ['50126'],
    title: 'Wrong user name or password',
    fixer: 'user',
    cause: 'The user typed a wrong user name or password.',
    steps: ['Try again, or reset the password (Identity > Users > Reset password).'],
  },
];

const BY_CODE = new Map<string, EntraErrorEntry>(ENTRA_ERROR_TABLE.flatMap((e) => e.codes.map((c) => [c, e] as const)));

/**
 * The code whose catalogue keys hold the user's words for this code: the entry's first code, so the four
 * Conditional Access codes share one text. Unknown codes are returned as they are.
 */
export function catalogueCode(aadsts: string): string {
  return BY_CODE.get(aadsts)?.codes[0] ?? aadsts;
}

/** Every AADSTS code the table explains. */
export const MAPPED_AADSTS_CODES: readonly string[] = [...BY_CODE.keys()];

type Fallback = Omit<EntraErrorEntry, 'codes'>;
const TRY_AGAIN: Fallback = {
  title: 'Entra asked the user to sign in again',
  fixer: 'user',
  cause: 'The Entra session expired or needs interaction.',
  steps: ['Sign in interactively.'],
};

// When there is no code we know, the OAuth `error` still says something useful. A Map: `error` is caller text
// (the callback's query), and an object would answer `constructor` or `__proto__` with Object's own members.
const BY_OAUTH_ERROR = new Map<string, Fallback>(
  Object.entries({
    access_denied: {
      title: 'Entra denied the sign-in',
      fixer: 'user',
      cause: 'The user cancelled, or a policy denied the request.',
      steps: ['Look the sign-in up by its correlation ID in Entra\'s Sign-in logs.'],
    },
    consent_required: BY_CODE.get('65001')!,
    interaction_required: TRY_AGAIN,
    login_required: TRY_AGAIN,
    temporarily_unavailable: {
      title: 'Entra is temporarily unavailable',
      fixer: 'user',
      cause: 'An outage or throttling at Microsoft.',
      steps: ['Wait a minute; check the Microsoft 365 service health page if it persists.'],
    },
    server_error: {
      title: 'Entra had an internal error',
      fixer: 'user',
      cause: 'A transient failure at Microsoft.',
      steps: ['Wait a minute; check the Microsoft 365 service health page if it persists.'],
    },
  } satisfies Record<string, Fallback>),
);

const GENERIC: Fallback = {
  title: 'Entra reported an error this product has no specific advice for',
  fixer: 'admin',
  cause: 'See Entra\'s description of the code (help link) and the sign-in logs.',
  steps: ['Open the help link for this code.', 'Find the sign-in by its correlation ID in Identity > Monitoring & health > Sign-in logs.'],
};

const GUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

type Source = Record<string, unknown> | URLSearchParams;

/**
 * Reads Entra's error fields from a callback query or a token/discovery error body. The ids are
 * taken from their own fields, or else from the description Entra appends them to.
 */
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
  const traceId = onlyGuid(get('trace_id')) ?? description?.match(new RegExp(`Trace ID: (${GUID})`, 'i'))?.[1];
  const correlationId = onlyGuid(get('correlation_id')) ?? description?.match(new RegExp(`Correlation ID: (${GUID})`, 'i'))?.[1];
  const timestamp = onlyTimestamp(get('timestamp')) ?? description?.match(/Timestamp: (\d{4}-\d\d-\d\d[T ][0-9:.]+Z)/)?.[1];
  return {
    error: error.slice(0, 100),
    ...(description ? { description } : {}),
    ...(aadsts && aadsts.length <= 10 ? { aadsts } : {}),
    ...(traceId ? { traceId } : {}),
    ...(correlationId ? { correlationId } : {}),
    ...(timestamp ? { timestamp } : {}),
  };
}

// The ids are shown to users and copied into tickets: only accept the shapes Entra uses.
function onlyGuid(value: string | undefined): string | undefined {
  return value && new RegExp(`^${GUID}$`, 'i').test(value) ? value : undefined;
}
function onlyTimestamp(value: string | undefined): string | undefined {
  return value && /^\d{4}-\d\d-\d\d[T ][0-9:.]{5,20}Z$/.test(value) ? value : undefined;
}

/** The table entry for a code, else the advice for the OAuth error, else the generic fallback. */
export function explainEntraError(err: Pick<EntraError, 'error' | 'aadsts'>): AadstsExplanation {
  const entry = err.aadsts ? BY_CODE.get(err.aadsts) : undefined;
  const base: Fallback = entry ?? BY_OAUTH_ERROR.get(err.error) ?? GENERIC;
  return {
    title: base.title,
    fixer: base.fixer,
    cause: base.cause,
    steps: base.steps,
    ...(err.aadsts ? { aadsts: err.aadsts } : {}),
    helpLink: entraHelpLink(err.aadsts),
    known: entry !== undefined,
  };
}

export function entraHelpLink(aadsts: string | undefined): string {
  return aadsts ? `https://login.microsoftonline.com/error?code=${encodeURIComponent(aadsts)}` : 'https://login.microsoftonline.com/error';
}

/** This deployment's values that steps refer to (`{redirectUri}` and friends). */
export interface StepValues {
  readonly redirectUri?: string;
  readonly postLogoutRedirectUri?: string;
  readonly clientId?: string;
  readonly tenantId?: string;
  readonly authorityHost?: string;
}

/**
 * Fills `{name}` placeholders with this deployment's values. Without a value, a remark about the current
 * value ("(now {tenantId})") is dropped and an address reads as its recipe (BASE_URL/auth/callback).
 */
export function fillSteps(steps: readonly string[], values: StepValues): string[] {
  const fallback: Partial<Record<keyof StepValues, string>> = { redirectUri: 'BASE_URL/auth/callback', postLogoutRedirectUri: 'BASE_URL/' };
  const KEY = '(redirectUri|postLogoutRedirectUri|clientId|tenantId|authorityHost)';
  return steps.map((s) =>
    s
      .replace(new RegExp(`(?: \\(now \\{${KEY}\\}\\)|; now \\{${KEY}\\}| \\(\\{${KEY}\\}\\))`, 'g'), (m: string, ...keys: Array<string | undefined>) => {
        const k = keys.slice(0, 3).find((x) => x !== undefined) as keyof StepValues;
        return values[k] === undefined ? '' : m;
      })
      .replace(new RegExp(`\\{${KEY}\\}`, 'g'), (_m, k: keyof StepValues) => values[k] ?? fallback[k] ?? ''),
  );
}

/** English labels for reports (the error page takes them from the catalogue: `error.fixer.*`). */
export const FIXER_LABEL: Record<Fixer, string> = {
  user: 'the person signing in',
  admin: 'your Entra administrator',
  support: 'iLOGON_MHA support',
};

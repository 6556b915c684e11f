/**
 * The English catalogue: every word a person reads on an iLOGON_MHA page. Keys are flat and grouped by
 * page; `{name}` placeholders are filled by `t(key, { name })` and escaped by the template, so no value
 * here ever contains markup. The Japanese catalogue (ja.ts) must have exactly these keys (type-checked and
 * tested). Error pages look keys up by convention: `error.<AppError code>` (+ `.advice`),
 * `aadsts.<number>.title|advice` for Entra codes and `oauth.<error>.title|advice` for OAuth error values.
 */
export const en = {
  'app.name': 'iLOGON_MHA',
  'app.pageTitle': '{page} · iLOGON_MHA',

  'layout.skipLink': 'Skip to content',
  'layout.emulatorBanner': 'Development mode: signing in with the built-in Entra ID emulator, not Microsoft.',
  'layout.accountNav': 'Account',
  'layout.home': 'Home',
  'layout.profile': 'Profile',
  'layout.signedInAs': 'Signed in as {name}',
  'layout.signOut': 'Sign out',
  'layout.languageNav': 'Language',
  'layout.footer': 'iLOGON_MHA Sign-in · version {version}',
  'layout.someone': 'you',

  'landing.title': 'Welcome',
  'landing.heading': 'iLOGON_MHA',
  'landing.intro':
    "Sign in with your work account to use iLOGON_MHA. Your organization's Microsoft Entra ID checks who you are; iLOGON_MHA never sees your password.",
  'landing.signedInAs': 'You are signed in as {name}.',
  'landing.continue': 'Continue to iLOGON_MHA',
  'landing.signInWithMicrosoft': 'Sign in with Microsoft',

  'signedOut.title': 'Signed out',
  'signedOut.heading': 'You have signed out',
  'signedOut.body': 'You are signed out of iLOGON_MHA and of Microsoft for this app. On a shared computer, close the browser too.',
  'signedOut.signInAgain': 'Sign in again',

  'logout.title': 'Sign out',
  'logout.heading': 'Sign out of iLOGON_MHA?',
  'logout.body': 'You will also be signed out of Microsoft for this app.',

  'frontchannel.title': 'Signed out',
  'frontchannel.body': 'Signed out.',

  'mhaHome.title': 'Home',
  'mhaHome.heading': 'Welcome, {name}',
  'mhaHome.tenant': 'Organization (tenant)',
  'mhaHome.roles': 'Roles',
  'mhaHome.noRoles': 'No app roles assigned',
  'mhaHome.profileLink': 'See your profile',

  'profile.title': 'Your profile',
  'profile.intro': 'What Microsoft Entra ID told iLOGON_MHA about you when you signed in.',
  'profile.caption': 'Identity claims',
  'profile.claim': 'Claim',
  'profile.value': 'Value',
  'profile.none': '(none)',
  'profile.name': 'Name',
  'profile.preferredUsername': 'Username (preferred_username)',
  'profile.email': 'Email',
  'profile.tid': 'Tenant ID (tid)',
  'profile.oid': 'Object ID (oid)',
  'profile.sub': 'Subject (sub)',
  'profile.roles': 'App roles (roles)',
  'profile.groups': 'Groups (groups)',

  'error.title': 'Something went wrong',
  'error.contact': 'If you contact your administrator, quote these details:',
  'error.tryAgain': 'Try again',
  'error.signInAgain': 'Try signing in again',
  'error.home': 'Go to the start page',
  'error.factError': 'Error',
  'error.factHttp': 'HTTP {status}',
  'error.factAadsts': 'Entra code',
  'error.factTraceId': 'Trace ID',
  'error.factCorrelationId': 'Correlation ID',
  'error.factRequestId': 'Request ID',
  'error.factTime': 'Time',
  'error.helpLink': "Microsoft's explanation of this code",

  // By HTTP status, when no code-specific text exists.
  'error.status.400': 'The request could not be understood.',
  'error.status.401': 'Sign-in required.',
  'error.status.403': 'You do not have access to this page.',
  'error.status.404': 'There is no page at this address.',
  'error.status.413': 'The request is too large.',
  'error.status.500': 'Something went wrong on our side. Please try again.',
  'error.status.502': 'Microsoft Entra ID sent an answer that could not be used. Please try again.',
  'error.status.503': 'Sign-in is starting up. Please try again in a moment.',
  'error.status.504': 'Microsoft Entra ID did not answer in time. Please try again.',

  // By AppError code.
  'error.not_found': 'There is no page at this address.',
  'error.not_found.advice': 'Check the address, or start again from the start page.',
  'error.bad_request': 'The request could not be understood.',
  'error.internal_error': 'Something went wrong on our side.',
  'error.internal_error.advice': 'Please try again. If it keeps happening, give your administrator the request ID below.',
  'error.unauthenticated': 'Sign-in required.',
  'error.csrf': 'This sign-out request did not come from an iLOGON_MHA page.',
  'error.csrf.advice': 'Use the Sign out button on an iLOGON_MHA page.',
  'error.invalid_sid': 'A front-channel logout needs exactly one sid.',
  'error.invalid_issuer': 'This logout request names another issuer.',
  'error.authority_unavailable': 'Sign-in is starting up',
  'error.authority_unavailable.advice':
    'iLOGON_MHA cannot reach Microsoft Entra ID yet. It keeps trying by itself: wait a moment, then try again.',
  'error.signin_invalid_state': 'This sign-in link is not valid.',
  'error.signin_invalid_state.advice': 'Please start signing in again.',
  'error.signin_unknown_state': 'This sign-in attempt has expired or was already used.',
  'error.signin_unknown_state.advice': 'Please start signing in again from the start page.',
  'error.signin_browser_mismatch': 'This sign-in was started in a different browser.',
  'error.signin_browser_mismatch.advice': 'Please start signing in again in this browser.',
  'error.signin_invalid_token': 'The sign-in response from Microsoft Entra ID could not be verified.',
  'error.signin_invalid_token.advice': 'Please try again. If it keeps happening, give your administrator the details below.',
  'error.signin_wrong_tenant': 'This account belongs to an organization that is not enabled for iLOGON_MHA.',
  'error.signin_wrong_tenant.advice': 'Sign in with your work account for this organization.',
  'error.signin_provider_unreachable': 'Microsoft Entra ID could not be reached.',
  'error.signin_provider_unreachable.advice': 'Please try again in a moment.',
  'error.signin_provider_error': 'Microsoft Entra ID sent an answer that could not be read.',
  'error.signin_provider_error.advice': 'Please try again in a moment.',
  'error.signin_entra_error': 'Sign-in did not complete',
  'error.signin_entra_error.advice': 'Try again. If it keeps happening, give your administrator the codes below.',
  'error.signin_token_error': 'Sign-in did not complete',
  'error.signin_token_error.advice': 'Try again. If it keeps happening, give your administrator the codes below.',

  // Entra AADSTS codes (see src/auth/entra-errors.ts for which ones are recognised).
  'aadsts.50105.title': 'Your account has not been given access to iLOGON_MHA',
  'aadsts.50105.advice':
    'Ask your administrator to assign you (or a group you are in) to the iLOGON_MHA application in Microsoft Entra ID.',
  'aadsts.50011.title': 'The sign-in address registered in Entra does not match',
  'aadsts.50011.advice': 'In the app registration, under Authentication > Web, register exactly BASE_URL/auth/callback.',
  'aadsts.700016.title': 'iLOGON_MHA is not set up in this organization',
  'aadsts.700016.advice':
    'Check ENTRA_CLIENT_ID (the Application (client) ID) and ENTRA_TENANT_ID, and that an admin has consented.',
  'aadsts.7000215.title': 'The application secret is not valid',
  'aadsts.7000215.advice': "ENTRA_CLIENT_SECRET must be the secret's Value, not its Secret ID.",
  'aadsts.7000222.title': 'The application secret has expired',
  'aadsts.7000222.advice': 'Create a new client secret in Entra and update ENTRA_CLIENT_SECRET.',
  'aadsts.65001.title': 'Consent has not been granted',
  'aadsts.65001.advice': 'An administrator must grant consent for iLOGON_MHA in Microsoft Entra ID.',
  'aadsts.50020.title': 'This account is from another organization',
  'aadsts.50020.advice': 'Sign in with your work account, or ask your administrator to invite you as a guest.',
  'aadsts.54005.title': 'This sign-in was already used',
  'aadsts.54005.advice': 'Start the sign-in again.',

  // OAuth `error` values, when no AADSTS code is known.
  'oauth.access_denied.title': 'Sign-in was cancelled or denied',
  'oauth.access_denied.advice': 'Try signing in again. If it keeps happening, contact your administrator.',
  'oauth.consent_required.title': 'Consent has not been granted',
  'oauth.consent_required.advice': 'An administrator must grant consent for iLOGON_MHA in Microsoft Entra ID.',
  'oauth.interaction_required.title': 'Microsoft needs you to sign in again',
  'oauth.interaction_required.advice': 'Start the sign-in again.',
  'oauth.login_required.title': 'Microsoft needs you to sign in again',
  'oauth.login_required.advice': 'Start the sign-in again.',
  'oauth.temporarily_unavailable.title': 'Microsoft sign-in is temporarily unavailable',
  'oauth.temporarily_unavailable.advice': 'Wait a minute and try again.',
  'oauth.server_error.title': 'Microsoft sign-in had a problem',
  'oauth.server_error.advice': 'Wait a minute and try again.',
} satisfies Record<string, string>;

export type MessageKey = keyof typeof en;
export type Catalogue = Readonly<Record<MessageKey, string>>;

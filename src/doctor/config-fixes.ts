/**
 * The doctor's fix for each configuration variable the parser can refuse: where the value comes from, or
 * how to make one. The parser's own line already says what is wrong and what is expected; this says what to
 * do, so a problem never ends with only "see .env.example".
 */
const APP_OVERVIEW = 'In the Microsoft Entra admin center open Identity > Applications > App registrations > iLOGON_MHA > Overview';

export const CONFIG_FIXES: Readonly<Record<string, readonly string[]>> = {
  ENTRA_TENANT_ID: [`${APP_OVERVIEW} and copy the Directory (tenant) ID (the Tenant ID on the tenant's Overview is the same GUID).`],
  ENTRA_CLIENT_ID: [`${APP_OVERVIEW} and copy the Application (client) ID.`],
  ENTRA_CLIENT_SECRET: [
    'App registrations > iLOGON_MHA > Certificates & secrets > New client secret; copy the Value column (shown once), not the Secret ID.',
    'Set exactly one credential: ENTRA_CLIENT_SECRET, ENTRA_CLIENT_CERTIFICATE_PATH or ENTRA_CLIENT_ASSERTION_FILE.',
  ],
  ENTRA_CLIENT_CERTIFICATE_PATH: ['Point it at a readable PEM file holding the certificate uploaded under Certificates & secrets > Certificates (and its key, or set ENTRA_CLIENT_KEY_PATH).'],
  ENTRA_CLIENT_KEY_PATH: ['Point it at the unencrypted PEM private key of ENTRA_CLIENT_CERTIFICATE_PATH (openssl pkey -in key.pem -out plain.pem removes a passphrase).'],
  ENTRA_CLIENT_ASSERTION_FILE: ['Point it at the token file the platform projects (AKS workload identity: the path in AZURE_FEDERATED_TOKEN_FILE), readable by this process.'],
  ENTRA_CLIENT_ASSERTION_ALG: ['Use PS256 (the default) or RS256.'],
  ENTRA_ALLOWED_TENANTS: ['List the tenant GUIDs of the customer organizations, comma separated; each admin finds theirs under Overview > Tenant ID.'],
  ENTRA_CLOUD: ['Use public (login.microsoftonline.com), usgov or china, the cloud where the app is registered.'],
  ENTRA_AUTHORITY_HOST: ['Leave it unset for the cloud ENTRA_CLOUD names, or give an https origin without a path, e.g. https://login.microsoftonline.com.'],
  ENTRA_GRAPH_HOST: ['Leave it unset for the cloud ENTRA_CLOUD names, or give an https origin without a path, e.g. https://graph.microsoft.com.'],
  BASE_URL: ['Set it to the public origin users type, scheme and host (and port) only, e.g. https://mha.example.com; the redirect URI registered in Entra is BASE_URL/auth/callback.'],
  SESSION_SECRET: ['Generate one with `openssl rand -base64 48`; to rotate, list the new one first: SESSION_SECRET=<new>,<old>.'],
  TRUST_PROXY: ['Set it to the number of reverse proxies in front of iLOGON_MHA that set X-Forwarded-* (usually 1), never true.'],
  SESSION_STORE: ['Use memory (one replica) or redis (several replicas; set REDIS_URL too).'],
  REDIS_URL: ['Write it as redis://host:6379/0, or rediss://:PASSWORD@host:6380/0 with TLS; URL-encode special characters in the password.'],
  REDIS_KEY_PREFIX: ['Use 1 to 64 letters, digits or : . _ -, e.g. mha:'],
  PORT: ['Use a free port from 1 to 65535 (3000 by default).'],
  METRICS_PORT: ['Use a port other than PORT, or leave it unset to serve /metrics on PORT.'],
  LOG_LEVEL: ['Use info (the default), or one of fatal, error, warn, debug, trace, silent.'],
  NODE_ENV: ['Use production in the container, development or test otherwise.'],
  SHOW_ERROR_DETAILS: ['Use true (first set-up only) or false.'],
  MHA_ADMIN_ROLE: ['Use the Value of an app role (App registrations > iLOGON_MHA > App roles), e.g. MHA.Admin, not its display name.'],
  MHA_REQUIRED_ROLE: ['Use the Value of an app role (App registrations > iLOGON_MHA > App roles), or leave it unset.'],
  UPSTREAM_URL: ["Set it to the existing iLOGON_MHA backend's own origin, e.g. http://mha-backend:8080, or leave it unset for the built-in pages."],
  UPSTREAM_PATHS: ['List further path prefixes for the backend, comma separated, e.g. /reports,/files (/mha always goes there).'],
  UPSTREAM_JWT_KEY: ['Use a shared secret of at least 32 characters (HS256), or an RSA private key in PEM (RS256).'],
  IDENTITY_HEADERS: ['Use a comma list of appservice and forwarded, or none.'],
  PASS_COOKIES: ['Use true or false (the default).'],
  ORG_NAME: ['Use the organization\'s display name as users know it, on one line, e.g. Contoso Ltd.'],
  ORG_LOGO_URL: ['Use the https address of the logo image, or put the file in public/ (in the container /app/public) and write /assets/<file name>; its origin is added to the CSP\'s img-src.'],
  HELP_URL: ['Use the https address of your help or service desk page, or a path on this site.'],
  PRIVACY_URL: ['Use the https address of your privacy notice, or a path on this site.'],
};

/** The fix for a parser problem line ("VARIABLE: what is wrong"). */
export function configFix(variable: string): readonly string[] {
  return Object.hasOwn(CONFIG_FIXES, variable)
    ? CONFIG_FIXES[variable]!
    : [`Set ${variable} as the line above says; README.md, Configuration, has its row (what it means and its default).`];
}

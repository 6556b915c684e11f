import { parseClientCredential, type ClientCredential } from '../auth/client-credential.js';
import { explainMalformedTenantId, isGuid } from '../auth/tenant-id.js';
import { isLoopbackHost } from '../http/loopback.js';
import type { Reader } from './reader.js';
import { ENTRA_CLOUDS, type EntraCloud } from './types.js';

/**
 * One Entra app registration and what this server asks of its users: the unit the connections feature will
 * multiply (one per organisation). Read as five parts, tenant, client, credential, cloud and roles, so a
 * connection is `readEntra(reader)` over its own variables; Config.entra and Config.authorization are today's
 * flat view of the one connection (index.ts).
 */
export const ENTRA_VARIABLES = [
  'ENTRA_TENANT_ID',
  'ENTRA_ALLOWED_TENANTS',
  'ENTRA_CLIENT_ID',
  'ENTRA_CLIENT_SECRET',
  'ENTRA_CLIENT_CERTIFICATE_PATH',
  'ENTRA_CLIENT_KEY_PATH',
  'ENTRA_CLIENT_ASSERTION_FILE',
  'ENTRA_CLIENT_ASSERTION_ALG',
  'ENTRA_CLOUD',
  'ENTRA_AUTHORITY_HOST',
  'ENTRA_GRAPH_HOST',
  'ENTRA_HTTP_TIMEOUT_SECONDS',
  'MHA_ADMIN_ROLE',
  'MHA_REQUIRED_ROLE',
] as const;

export interface EntraSection {
  readonly tenant: {
    /** A GUID or verified domain as given; lower case for organizations/common. */
    readonly id: string;
    /** organizations or common: the issuer is Entra's `{tenantid}` template. */
    readonly multiTenant: boolean;
    readonly allowedTenants: readonly string[];
  };
  readonly client: { readonly id: string };
  /** Loaded key material included (certificate files are read here; see README, "Key material"). */
  readonly credential: ClientCredential;
  readonly cloud: {
    readonly name: EntraCloud;
    readonly authorityHost: string;
    readonly graphHost: string;
    readonly allowInsecureHttp: boolean;
    readonly httpTimeoutSeconds: number;
  };
  readonly roles: { readonly admin: string; readonly required: string | undefined };
}

// A verified domain as Entra accepts it in the authority path (contoso.com, contoso.onmicrosoft.com).
const DOMAIN = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const MULTI_TENANT_ALIASES = new Set(['common', 'organizations']);

/** Personal Microsoft accounts (outlook.com, live.com) all carry this tenant id. */
export const PERSONAL_ACCOUNTS_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';

export { isGuid };

/** Undefined when a problem was recorded (the caller throws once every section has been read). */
export function readEntra(r: Reader): EntraSection | undefined {
  const tenant = readTenant(r);
  const clientId = readClientId(r);
  const credential = readCredential(r);
  const cloud = readCloud(r);
  const allowedTenants = readAllowedTenants(r, tenant?.multiTenant ?? false);
  const hosts = readHosts(r, cloud);
  // Every call to Entra (discovery, JWKS, token, Graph) gives up after this; a hung endpoint costs a sign-in this long.
  const httpTimeoutSeconds = r.int('ENTRA_HTTP_TIMEOUT_SECONDS', 10, 1, 60);
  const roles = {
    admin: readRoleValue(r, 'MHA_ADMIN_ROLE') ?? 'MHA.Admin',
    required: readRoleValue(r, 'MHA_REQUIRED_ROLE'),
  };
  if (!tenant || !clientId || !credential) return undefined;
  return {
    tenant: { ...tenant, allowedTenants },
    client: { id: clientId.toLowerCase() },
    credential,
    cloud: { name: cloud, ...hosts, httpTimeoutSeconds },
    roles,
  };
}

function readTenant(r: Reader): { id: string; multiTenant: boolean } | undefined {
  const tenantId = r.string('ENTRA_TENANT_ID');
  if (tenantId === undefined) {
    r.problem('ENTRA_TENANT_ID', "required; the Directory (tenant) ID from the app's Overview page in Entra (a GUID)");
    return undefined;
  }
  const lower = tenantId.toLowerCase();
  if (lower === 'consumers') {
    r.problem(
      'ENTRA_TENANT_ID',
      '"consumers" signs in personal Microsoft accounts only; use your Directory (tenant) ID GUID, or organizations with ENTRA_ALLOWED_TENANTS',
    );
    return undefined;
  }
  // Multi-tenant: checked together with ENTRA_ALLOWED_TENANTS.
  if (MULTI_TENANT_ALIASES.has(lower)) return { id: lower, multiTenant: true };
  if (!isGuid(tenantId) && !DOMAIN.test(tenantId)) {
    r.problem('ENTRA_TENANT_ID', explainMalformedTenantId(tenantId));
    return undefined;
  }
  return { id: tenantId, multiTenant: false };
}

function readClientId(r: Reader): string | undefined {
  const clientId = r.string('ENTRA_CLIENT_ID');
  if (clientId === undefined) {
    r.problem('ENTRA_CLIENT_ID', "required; the Application (client) ID from the app's Overview page in Entra (a GUID)");
    return undefined;
  }
  if (!isGuid(clientId)) {
    r.problem('ENTRA_CLIENT_ID', `expected the Application (client) ID, a GUID (got "${clientId}")`);
    return undefined;
  }
  return clientId;
}

/** Exactly one of a client secret, a certificate (its files read now), or a federated token file. */
function readCredential(r: Reader): ClientCredential | undefined {
  const secret = r.string('ENTRA_CLIENT_SECRET');
  const lines: string[] = [];
  const credential = parseClientCredential(r.value, lines);
  r.problemLines(lines);
  if (secret === undefined && credential === undefined && !r.hasProblem('ENTRA_CLIENT_SECRET')) {
    r.problem(
      'ENTRA_CLIENT_SECRET',
      "required; the client secret's Value from Certificates & secrets in Entra (or instead ENTRA_CLIENT_CERTIFICATE_PATH, or ENTRA_CLIENT_ASSERTION_FILE for workload identity)",
    );
  } else if (secret !== undefined && isGuid(secret)) {
    // The portal shows "Value" and "Secret ID" side by side; the ID is a GUID, a Value never is.
    r.problem(
      'ENTRA_CLIENT_SECRET',
      'this looks like the secret\'s "Secret ID" (a GUID); copy the "Value" column instead (it is shown only once, right after creating the secret)',
    );
    return undefined;
  }
  return credential;
}

function readCloud(r: Reader): EntraCloud {
  return r.oneOf('ENTRA_CLOUD', Object.keys(ENTRA_CLOUDS) as EntraCloud[], 'public', {
    echoLowerCase: true,
    suffix: '; each cloud needs its own app registration',
  });
}

/** The cloud's hosts unless ENTRA_AUTHORITY_HOST / ENTRA_GRAPH_HOST say otherwise (the emulator on loopback). */
function readHosts(r: Reader, cloud: EntraCloud): { authorityHost: string; graphHost: string; allowInsecureHttp: boolean } {
  let authorityHost: string = ENTRA_CLOUDS[cloud].authorityHost;
  let graphHost: string = ENTRA_CLOUDS[cloud].graphHost;
  let allowInsecureHttp = false;
  const authority = r.origin('ENTRA_AUTHORITY_HOST', { httpsUnlessLoopback: true });
  if (authority) {
    authorityHost = authority.origin;
    allowInsecureHttp = authority.protocol === 'http:';
    // The emulator serves Microsoft Graph next to its authority: a loopback authority implies it.
    if (isLoopbackHost(authority.hostname)) graphHost = authority.origin;
  }
  const graph = r.origin('ENTRA_GRAPH_HOST', { httpsUnlessLoopback: true });
  if (graph) graphHost = graph.origin;
  return { authorityHost, graphHost, allowInsecureHttp };
}

/**
 * ENTRA_ALLOWED_TENANTS: required with organizations/common (without it any Entra tenant in the world could
 * sign in), meaningless otherwise (the single tenant is the allow-list), so both mistakes are reported.
 */
function readAllowedTenants(r: Reader, multiTenant: boolean): string[] {
  const raw = r.string('ENTRA_ALLOWED_TENANTS');
  if (!multiTenant) {
    if (raw !== undefined) r.problem('ENTRA_ALLOWED_TENANTS', 'only used when ENTRA_TENANT_ID is organizations or common; remove it, or switch to multi-tenant');
    return [];
  }
  if (raw === undefined) {
    r.problem(
      'ENTRA_ALLOWED_TENANTS',
      'required when ENTRA_TENANT_ID is organizations or common; a comma list of the customer tenant IDs (GUIDs) allowed to sign in',
    );
    return [];
  }
  const entries = r.list('ENTRA_ALLOWED_TENANTS') ?? [];
  const bad = entries.filter((t) => !isGuid(t));
  if (entries.length === 0 || bad.length > 0) {
    r.problem('ENTRA_ALLOWED_TENANTS', `expected tenant IDs (GUIDs) separated by commas${bad.length > 0 ? `; not a GUID: ${bad.map((b) => `"${b}"`).join(', ')}` : ''}`);
    return [];
  }
  return [...new Set(entries.map((t) => t.toLowerCase()))];
}

/**
 * An app role *value* as Entra defines it (App roles > Value): no spaces, printable ASCII. The display name
 * ("MHA Administrators") is not what tokens carry, so a value with spaces is always a mistake.
 */
function readRoleValue(r: Reader, name: string): string | undefined {
  const raw = r.string(name);
  if (raw === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,249}$/.test(raw)) {
    r.problem(name, `expected an app role Value as defined under App roles in Entra, without spaces, e.g. MHA.Admin (got "${raw}")`);
    return undefined;
  }
  return raw;
}

import { isLoopbackHost } from './loopback.js';
import { maskUrlCredentials } from '../url-credentials.js';

/**
 * The customer organisation on the sign-in pages: its name and logo on the sign-in card, and where its
 * people find help and the privacy notice (footer links). All optional; pages read well without them.
 * URLs are the organisation's own pages (https, or a path on this site), never taken from a request.
 */
export interface Branding {
  readonly orgName?: string;
  /** An https URL or a path on this site; the CSP allows images from 'self' only unless widened. */
  readonly logoUrl?: string;
  readonly helpUrl?: string;
  readonly privacyUrl?: string;
}

const MAX_NAME = 100;
const MAX_URL = 2000;
// A file served from public/ (mounted in the container under /app/public): no "..", no query.
const ASSET_PATH = /^\/assets\/(?:[\w-]+\/)*[\w-]+(?:\.[\w-]+)*\.(?:svg|png|jpe?g|gif|webp|avif)$/i;
// A path on this site for the links: one leading slash (never "//host", which is another site).
const SITE_PATH = /^\/(?!\/)[\w\-./~%!$&'()*+,;=:@?#]*$/;

/**
 * ORG_NAME, ORG_LOGO_URL, HELP_URL and PRIVACY_URL, checked once at start (called by parseConfig). Every
 * echo of a URL goes through maskUrlCredentials: a pasted link may carry a user name and password.
 */
export function parseBranding(value: (name: string) => string | undefined, problems: string[]): Branding {
  const branding: { orgName?: string; logoUrl?: string; helpUrl?: string; privacyUrl?: string } = {};
  const orgName = value('ORG_NAME');
  if (orgName !== undefined) {
    if (orgName.length > MAX_NAME || /[\u0000-\u001f\u007f]/.test(orgName)) {
      problems.push(`ORG_NAME: expected the organization's display name, one line of at most ${MAX_NAME} characters (got ${orgName.length} characters)`);
    } else {
      branding.orgName = orgName;
    }
  }
  const logo = value('ORG_LOGO_URL');
  if (logo !== undefined) {
    const problem = ASSET_PATH.test(logo) && !logo.includes('..') ? undefined : absoluteUrlProblem(logo);
    if (problem) {
      problems.push(`ORG_LOGO_URL: ${problem}; expected an https URL of the logo image or a path under /assets/ (a file in public/), e.g. https://contoso.example/logo.svg or /assets/logo.svg (got "${shown(logo)}")`);
    } else {
      branding.logoUrl = logo;
    }
  }
  for (const [name, key, example] of [
    ['HELP_URL', 'helpUrl', 'https://help.contoso.example/sign-in'],
    ['PRIVACY_URL', 'privacyUrl', 'https://contoso.example/privacy'],
  ] as const) {
    const raw = value(name);
    if (raw === undefined) continue;
    const problem = SITE_PATH.test(raw) && raw.length <= MAX_URL ? undefined : absoluteUrlProblem(raw);
    if (problem) problems.push(`${name}: ${problem}; expected an https URL or a path on this site, e.g. ${example} (got "${shown(raw)}")`);
    else branding[key] = raw;
  }
  return branding;
}

/** Why a value is not an https URL (plain http only on a loopback host, for development), or undefined. */
function absoluteUrlProblem(raw: string): string | undefined {
  if (raw.length > MAX_URL) return `longer than ${MAX_URL} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not a URL';
  }
  if (url.username || url.password) return 'must not contain a user name or password';
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return undefined;
  if (url.protocol !== 'https:') return `must use https, not ${url.protocol.replace(/:$/, '')}`;
  return undefined;
}

function shown(raw: string): string {
  const masked = maskUrlCredentials(raw);
  return masked.length > 200 ? `${masked.slice(0, 200)}…` : masked;
}

/** The origins the CSP's img-src must add for the logo: its origin when it is on another site, else none. */
export function brandingImageOrigins(branding: Branding | undefined): string[] {
  const logo = branding?.logoUrl;
  if (!logo || logo.startsWith('/')) return [];
  return [new URL(logo).origin];
}

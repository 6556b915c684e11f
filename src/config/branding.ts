import { parseBranding, type Branding } from '../http/branding.js';
import type { Reader } from './reader.js';

/**
 * The customer organisation on the pages. The rules (lengths, https or a path on this site, masked echoes)
 * live in src/http/branding.ts next to the pages that use them; this section declares the names and reads them.
 */
export const BRANDING_VARIABLES = ['ORG_NAME', 'ORG_LOGO_URL', 'HELP_URL', 'PRIVACY_URL'] as const;

export function readBranding(r: Reader): Branding {
  const lines: string[] = [];
  const branding = parseBranding(r.value, lines);
  r.problemLines(lines);
  return branding;
}

/**
 * What is wrong with an ENTRA_TENANT_ID that is neither a GUID nor a domain, in words an admin can act on:
 * "expected a GUID" does not tell someone who pasted the whole authority URL, kept the braces of a registry
 * export, or lost a character in the copy what to change. Used by the configuration (so the server's
 * start-up error and the doctor say the same).
 */
const EXPECTED =
  'expected the Directory (tenant) ID, a GUID of 8-4-4-4-12 hex digits like 00000000-0000-0000-0000-000000000000, or a verified domain like contoso.onmicrosoft.com';

/** A GUID as Entra writes tenant, object, client, trace and correlation ids: the one pattern for all of them. */
export const GUID_IN_TEXT = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const GUID = new RegExp(`^${GUID_IN_TEXT.source}$`, 'i');

export function isGuid(value: string): boolean {
  return GUID.test(value);
}

/** The problem text after "ENTRA_TENANT_ID: " for a value that is not a GUID, a domain or a known alias. */
export function explainMalformedTenantId(raw: string): string {
  return `${whatIsWrong(raw)}; ${EXPECTED} (got "${raw.length > 120 ? `${raw.slice(0, 120)}…` : raw}")`;
}

function whatIsWrong(raw: string): string {
  const quoted = /^(["']).*\1$/s.exec(raw);
  if (quoted) return `the value is wrapped in quotes (${quoted[1]}…${quoted[1]}), which \`docker run --env-file\` keeps as part of it: remove them`;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) || raw.includes('/')) {
    const guid = GUID_IN_TEXT.exec(raw)?.[0];
    return guid
      ? `this is a URL, not the tenant ID: use only the GUID in it (${guid})`
      : 'this is a URL, not the tenant ID: use only the tenant part (what follows login.microsoftonline.com/)';
  }
  if (/^\{.*\}$/.test(raw)) return GUID.test(raw.slice(1, -1)) ? 'remove the braces { }: Entra writes the tenant ID without them' : 'remove the braces { }, and check the GUID inside';
  if (/\s/.test(raw)) return 'it has white space inside: a tenant ID has none (a line break or a space from the copy?)';
  if (raw.includes('@')) {
    const domain = raw.slice(raw.lastIndexOf('@') + 1);
    return `this is an e-mail address: use its domain (${domain}) if it is verified in your tenant, or better the tenant GUID`;
  }
  if (/^[0-9a-z-]+$/i.test(raw) && /\d/.test(raw) && raw.includes('-')) {
    // Shaped like a GUID: say which part is off.
    const wrongCharacters = [...new Set(raw.replace(/[0-9a-f-]/gi, ''))];
    if (wrongCharacters.length > 0) {
      return `it has characters that are not hex digits (${wrongCharacters.map((c) => `"${c}"`).join(', ')}): a GUID has only 0-9, a-f and dashes (an O for a 0, an l for a 1?)`;
    }
    const groups = raw.split('-').map((g) => g.length);
    if (raw.length !== 36 || groups.join('-') !== '8-4-4-4-12') {
      return `it has ${raw.length} characters in groups of ${groups.join('-')}; a GUID has 36, in groups of 8-4-4-4-12 (a character lost or added in the copy?)`;
    }
  }
  if (/^[0-9a-f]{32}$/i.test(raw)) return 'the dashes are missing: write it in groups of 8-4-4-4-12';
  if (/^[0-9a-f]+$/i.test(raw)) return `it has ${raw.length} hex digits and no dashes; a GUID has 32 hex digits in groups of 8-4-4-4-12`;
  if (!raw.includes('.')) return 'it is neither a GUID nor a domain (a domain has a dot, like contoso.onmicrosoft.com)';
  return 'it is not a valid domain name (letters, digits, dashes and dots only)';
}

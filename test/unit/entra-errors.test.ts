import { describe, expect, it } from 'vitest';
import { catalogueCode, ENTRA_ERROR_TABLE, explainEntraError, fillSteps, MAPPED_AADSTS_CODES, parseEntraError } from '../../src/auth/entra-errors.js';
import { CATALOGUES, LOCALES } from '../../src/i18n/i18n.js';

// The codes the issue (and ../shared/ENTRA.md) say an admin meets; each must have its own entry.
const ISSUE_CODES = [
  '50011', '500113', '9002325', '700016', '90002', '50194', '7000215', '7000222', '7000218', '700025', '700054', '50105',
  '65001', '90094', '50020', '50034', '70011', '501481', '54005', '50058', '50076', '50079', '53003', '53000', '50126',
  // Issue 4's certificate credential: a certificate that is not uploaded to the app registration.
  '700027',
  // Certificate or workload-identity assertion out of its time range: an expired token file, or clock skew.
  '700024',
];

describe('the AADSTS code table', () => {
  it('maps every code an admin meets, each once', () => {
    expect([...MAPPED_AADSTS_CODES].sort()).toEqual([...ISSUE_CODES].sort());
    const all = ENTRA_ERROR_TABLE.flatMap((e) => e.codes);
    expect(new Set(all).size).toBe(all.length);
  });

  it('gives every entry a title, who can fix it, a cause and steps', () => {
    for (const e of ENTRA_ERROR_TABLE) {
      expect(e.title.length, e.codes.join()).toBeGreaterThan(10);
      expect(['user', 'admin', 'support']).toContain(e.fixer);
      expect(e.cause.length).toBeGreaterThan(10);
      expect(e.steps.length).toBeGreaterThan(0);
    }
  });

  it('has the words for the person signing in, in every language, for every mapped code', () => {
    for (const code of MAPPED_AADSTS_CODES) {
      for (const locale of LOCALES) {
        const catalogue = CATALOGUES[locale] as Record<string, string>;
        expect(catalogue[`aadsts.${catalogueCode(code)}.title`], `${locale} AADSTS${code}`).toBeTruthy();
        expect(catalogue[`aadsts.${catalogueCode(code)}.advice`], `${locale} AADSTS${code}`).toBeTruthy();
      }
    }
    // The four Conditional Access codes share one text; an unknown code stays as it is.
    expect(['50076', '50079', '53003', '53000'].map(catalogueCode)).toEqual(['50076', '50076', '50076', '50076']);
    expect(catalogueCode('123')).toBe('123');
  });

  it('keeps no catalogue text for a code the table does not map', () => {
    const mapped = new Set(ENTRA_ERROR_TABLE.map((e) => e.codes[0]));
    for (const locale of LOCALES) {
      const orphans = Object.keys(CATALOGUES[locale]).filter((k) => k.startsWith('aadsts.') && !mapped.has(k.split('.')[1]!));
      expect(orphans, locale).toEqual([]);
    }
  });

  it.each([
    ['7000215', 'admin', /Value/],
    ['50105', 'admin', /Users and groups/],
    ['90002', 'admin', /ENTRA_CLOUD=usgov/],
    ['54005', 'user', /again/],
    ['70011', 'support', /support/],
  ] as const)('explains AADSTS%s as fixable by %s', (code, fixer, step) => {
    const x = explainEntraError({ error: 'invalid_request', aadsts: code });
    expect(x).toMatchObject({ fixer, known: true, aadsts: code, helpLink: `https://login.microsoftonline.com/error?code=${code}` });
    expect(x.steps.join(' ')).toMatch(step);
  });

  it('falls back to the OAuth error, then to a generic page with Entra\'s help link, for an unknown code', () => {
    const unknown = explainEntraError({ error: 'invalid_request', aadsts: '123456' });
    expect(unknown).toMatchObject({ known: false, fixer: 'admin', helpLink: 'https://login.microsoftonline.com/error?code=123456' });
    expect(unknown.title).toBe('Entra reported an error this product has no specific advice for');
    const unavailable = explainEntraError({ error: 'temporarily_unavailable', aadsts: '999999' });
    expect(unavailable).toMatchObject({ known: false, title: 'Entra is temporarily unavailable', fixer: 'user' });
    expect(explainEntraError({ error: 'weird' }).helpLink).toBe('https://login.microsoftonline.com/error');
  });

  it('fills the deployment\'s values into the steps', () => {
    const steps = ENTRA_ERROR_TABLE.find((e) => e.codes.includes('50011'))!.steps;
    const filled = fillSteps(steps, { redirectUri: 'https://mha.example.com/auth/callback', postLogoutRedirectUri: 'https://mha.example.com/' });
    expect(filled.join('\n')).toContain('add exactly https://mha.example.com/auth/callback (and https://mha.example.com/ for sign-out)');
    expect(fillSteps(steps, {}).join('\n')).toContain('BASE_URL/auth/callback');
  });
});

describe('parseEntraError', () => {
  const trace = '0c3f2a8e-1b4d-4e6f-9a7b-2c5d8e1f3a4b';
  const correlation = '7d9e1f3a-5b7c-4d8e-a1f2-3b4c5d6e7f80';

  it('reads a token endpoint body with error_codes, trace_id, correlation_id and timestamp', () => {
    const parsed = parseEntraError({
      error: 'invalid_client',
      error_description: 'AADSTS7000215: Invalid client secret provided.',
      error_codes: [7000215],
      trace_id: trace,
      correlation_id: correlation,
      timestamp: '2026-11-30 01:02:03Z',
    });
    expect(parsed).toEqual({
      error: 'invalid_client',
      description: 'AADSTS7000215: Invalid client secret provided.',
      aadsts: '7000215',
      traceId: trace,
      correlationId: correlation,
      timestamp: '2026-11-30 01:02:03Z',
    });
  });

  it('reads a callback query whose ids are only inside the description', () => {
    const q = new URLSearchParams({
      error: 'access_denied',
      error_description: `AADSTS50105: not assigned. Trace ID: ${trace} Correlation ID: ${correlation} Timestamp: 2026-11-30 01:02:03Z`,
    });
    expect(parseEntraError(q)).toMatchObject({ aadsts: '50105', traceId: trace, correlationId: correlation, timestamp: '2026-11-30 01:02:03Z' });
  });

  it('returns undefined without an error, and drops ids that are not GUIDs (they are shown to users)', () => {
    expect(parseEntraError(new URLSearchParams('code=abc'))).toBeUndefined();
    const parsed = parseEntraError({ error: 'x', trace_id: '<script>', correlation_id: 'javascript:1', timestamp: 'now<b>' });
    expect(parsed).toEqual({ error: 'x' });
  });
});

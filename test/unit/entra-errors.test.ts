import { describe, expect, it } from 'vitest';
import { explainEntraError, parseEntraError } from '../../src/auth/entra-errors.js';

const TRACE = '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';
const CORR = 'f0e9d8c7-b6a5-4938-8271-605f4e3d2c1b';

describe('parseEntraError', () => {
  it('reads the AADSTS code and ids from a callback error description', () => {
    const params = new URLSearchParams({
      error: 'access_denied',
      error_description: `AADSTS50105: Your administrator has configured the application... Trace ID: ${TRACE} Correlation ID: ${CORR} Timestamp: 2026-11-30 01:02:03Z`,
    });
    expect(parseEntraError(params)).toEqual({
      error: 'access_denied',
      description: params.get('error_description'),
      aadsts: '50105',
      traceId: TRACE,
      correlationId: CORR,
      timestamp: '2026-11-30 01:02:03Z',
    });
  });

  it('prefers the structured fields of a token endpoint error body', () => {
    const parsed = parseEntraError({
      error: 'invalid_client',
      error_description: 'AADSTS7000215: Invalid client secret provided.',
      error_codes: [7000215],
      trace_id: TRACE,
      correlation_id: CORR,
    });
    expect(parsed).toMatchObject({ error: 'invalid_client', aadsts: '7000215', traceId: TRACE, correlationId: CORR });
  });

  it('returns undefined when there is no error', () => {
    expect(parseEntraError(new URLSearchParams({ code: 'x', state: 'y' }))).toBeUndefined();
  });
});

describe('explainEntraError', () => {
  it.each([
    ['50105', 'admin', 'Your account has not been given access to iLOGON_MHA'],
    ['7000215', 'admin', 'The application secret is not valid'],
    ['54005', 'user', 'This sign-in was already used'],
  ])('maps AADSTS%s to words for the %s', (code, fixer, title) => {
    expect(explainEntraError({ error: 'x', aadsts: code })).toMatchObject({ fixer, title });
  });

  it('falls back to the OAuth error, then to a generic explanation', () => {
    expect(explainEntraError({ error: 'temporarily_unavailable' }).title).toBe('Microsoft sign-in is temporarily unavailable');
    expect(explainEntraError({ error: 'something_new', aadsts: '1' }).title).toBe('Sign-in did not complete');
  });
});

import { describe, expect, it } from 'vitest';
import { CATALOGUES } from '../../src/i18n/i18n.js';
import { formatTime } from '../../src/http/format-time.js';
import { emailText, initials, richText } from '../../src/http/views.js';
import { errorActions } from '../../src/error-pages/error-actions.js';
import { AppError, NotFoundError, SignInError, UpstreamError } from '../../src/errors.js';

const JAPANESE = /[\u3040-\u30ff\u4e00-\u9fff]/;

describe('issue 15 Japanese typography', () => {
  it('issue 15: Japanese text uses full-width punctuation (：（）？！), not ASCII', () => {
    const halfWidth = Object.entries(CATALOGUES.ja).filter(([, text]) => JAPANESE.test(text) && /[^?]: |\(|\)|\?(?!tenant=)|!/.test(text.replace(/\?tenant=/g, '')));
    expect(halfWidth.map(([k, v]) => `${k}: ${v}`)).toEqual([]);
  });
});

describe('issue 15 admin text rendered', () => {
  it('issue 15: backticks become <code>, and everything else stays escaped', () => {
    expect(richText('Run `npm run doctor` then <b>restart</b> & "see"')).toBe('Run <code>npm run doctor</code> then &lt;b&gt;restart&lt;/b&gt; &amp; &quot;see&quot;');
    expect(richText('`<script>`')).toBe('<code>&lt;script&gt;</code>');
    expect(richText('one ` alone')).toBe('one ` alone');
  });

  it('issue 15: an e-mail address may break only after its "@"', () => {
    expect(emailText('b.simon@contoso.com')).toBe('b.simon@<wbr>contoso.com');
    expect(emailText('<x>@y')).toBe('&lt;x&gt;@<wbr>y');
    expect(initials('B.Simon')).toBe('BS');
    expect(initials('Ada Lovelace')).toBe('AL');
    expect(initials('山田')).toBe('山');
  });

  it('issue 15: one time format, localised, in UTC; Entra\'s "2026-12-04 18:27:49Z" read too', () => {
    expect(formatTime('2026-12-04T18:27:49.123Z', 'en')).toBe('04 Dec 2026, 18:27:49 UTC');
    expect(formatTime('2026-12-04 18:27:49Z', 'ja')).toBe('2026/12/04 18:27:49 UTC');
    expect(formatTime('not a time', 'en')).toBe('not a time');
  });
});

describe('issue 15 error pages: the main action fits the cause', () => {
  const entra = (aadsts: string, error = 'invalid_request', status = 400) => new SignInError('entra_error', status, 'x', { details: { aadsts, error } });
  it.each([
    ['AADSTS50105 (not assigned)', entra('50105', 'access_denied', 403), 'different-account'],
    ['AADSTS50020 (another tenant)', entra('50020'), 'different-account'],
    ['AADSTS7000215 (wrong secret)', new SignInError('token_error', 401, 'x', { details: { aadsts: '7000215', error: 'invalid_client' } }), 'tell-admin'],
    ['AADSTS7000222 (expired secret)', new SignInError('token_error', 401, 'x', { details: { aadsts: '7000222', error: 'invalid_client' } }), 'tell-admin'],
    ['AADSTS50011 (redirect URI)', entra('50011'), 'tell-admin'],
    ['AADSTS50058 (sign in again)', entra('50058', 'login_required'), 'sign-in-again'],
    ['a spent state', new SignInError('unknown_state', 400, 'x'), 'sign-in-again'],
    ['another organisation', new SignInError('wrong_tenant', 403, 'x'), 'different-account'],
    ['a 404', new NotFoundError(), 'home'],
    ['the backend down', new UpstreamError('upstream_unavailable'), 'retry'],
    ['sign-in starting up', new AppError('authority_unavailable', 503, 'x'), 'retry'],
  ] as const)('%s', (_name, err, primary) => {
    const actions = errorActions(err, { canRetry: !(err instanceof SignInError) });
    expect(actions.primary).toBe(primary);
    if (err instanceof SignInError && err.details['aadsts']) expect([actions.primary, ...actions.secondary]).not.toContain('retry');
  });
});

describe('issue 15 landing: room for the customer organisation', () => {
  it('issue 15: shows the organisation name and logo on the card and help/privacy links in the footer, and no version', async () => {
    const { createViews } = await import('../../src/http/views.js');
    const { createTranslator } = await import('../../src/i18n/i18n.js');
    const tr = createTranslator('en');
    const html = createViews({ cache: false }).render('landing', {
      locale: 'en', t: tr.t, lookup: tr.lookup, languages: [], version: '9.9.9',
      branding: { orgName: 'Contoso <Ltd>', logoUrl: '/assets/favicon.svg', helpUrl: 'https://help.contoso.example/', privacyUrl: 'https://contoso.example/privacy' },
    });
    expect(html).toContain('<span class="org-name">Contoso &lt;Ltd&gt;</span>');
    expect(html).toContain('<img class="org-logo" src="/assets/favicon.svg" alt="Contoso &lt;Ltd&gt; logo" height="36">');
    expect(html).toContain('<a href="https://help.contoso.example/">Help</a>');
    expect(html).toContain('<a href="https://contoso.example/privacy">Privacy</a>');
    expect(html).not.toContain('9.9.9');
    expect(html.match(/class="brand-mark"/g)).toHaveLength(1);
  });
});

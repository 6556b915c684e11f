import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode, ForbiddenError, NotFoundError, SignInError, SignInReason } from '../../src/errors.js';
import { describeError } from '../../src/error-pages/error-text.js';
import { CATALOGUES, createTranslator, LOCALES, negotiateLocale } from '../../src/i18n/i18n.js';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('catalogues', () => {
  it('have exactly the same keys in every language', () => {
    const english = Object.keys(CATALOGUES.en).sort();
    for (const locale of LOCALES) expect(Object.keys(CATALOGUES[locale]).sort(), locale).toEqual(english);
  });

  it('use the same {placeholders} for each key in every language', () => {
    for (const locale of LOCALES) {
      for (const [key, text] of Object.entries(CATALOGUES.en)) {
        expect(placeholders(CATALOGUES[locale][key as keyof typeof CATALOGUES.en]), `${locale} ${key}`).toEqual(placeholders(text));
      }
    }
  });

  it('hold no empty text and no markup (templates escape every value)', () => {
    for (const locale of LOCALES) {
      for (const [key, text] of Object.entries(CATALOGUES[locale])) {
        expect(text.trim(), `${locale} ${key}`).not.toBe('');
        expect(text, `${locale} ${key}`).not.toMatch(/<[a-z/!]/i);
      }
    }
  });

  it('translate every page string into Japanese rather than copying the English', () => {
    // Product names, placeholders-only and protocol strings may stay; anything with an English sentence may not.
    const same = Object.entries(CATALOGUES.en).filter(([key, text]) => CATALOGUES.ja[key as keyof typeof CATALOGUES.en] === text && /[a-z]{3,} [a-z]{3,}/i.test(text));
    expect(same.map(([k]) => k)).toEqual([]);
  });

  it('have a page text for every error code the source raises', () => {
    // Scans src/ for `new XxxError('code'` so a new error cannot ship without its words in both languages.
    const codes = new Set<string>();
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (entry.name !== 'dev') walk(path);
        } else if (path.endsWith('.ts')) {
          const source = readFileSync(path, 'utf8');
          for (const m of source.matchAll(/new SignInError\(\s*'([a-z0-9_]+)'/g)) codes.add(`signin_${m[1]}`);
          for (const m of source.matchAll(/new (?!SignInError)\w*Error\(\s*'([a-z0-9_]+)'/g)) codes.add(m[1]!);
        }
      }
    };
    walk(new URL('../../src', import.meta.url).pathname);
    // Issue 16 item 4: the codes are exported constants now (src/errors.ts); a literal left at a throw is scanned above.
    for (const code of Object.values(ErrorCode)) codes.add(code);
    for (const reason of Object.values(SignInReason)) codes.add(`signin_${reason}`);
    expect(codes.size).toBeGreaterThan(5);
    const missing = [...codes].filter((code) => !LOCALES.every((l) => Object.hasOwn(CATALOGUES[l], `error.${code}`)));
    expect(missing).toEqual([]);
  });
});

describe('negotiateLocale', () => {
  it.each([
    [undefined, undefined, 'en'],
    [undefined, '', 'en'],
    [undefined, 'ja', 'ja'],
    [undefined, 'ja-JP', 'ja'],
    [undefined, 'JA-jp,en;q=0.5', 'ja'],
    [undefined, 'en-US,en;q=0.9,ja;q=0.8', 'en'],
    [undefined, 'fr-FR,ja;q=0.8,en;q=0.5', 'ja'],
    [undefined, 'en;q=0.4,ja;q=0.9', 'ja'],
    [undefined, 'ja;q=0,en', 'en'],
    [undefined, 'ja;q=0.000', 'en'],
    [undefined, 'fr, de', 'en'],
    [undefined, '*', 'en'],
    [undefined, 'fr,*;q=0.5,ja;q=0.4', 'en'],
    [undefined, 'ja;q=2', 'en'],
    [undefined, 'ja;q=abc,en;q=0.1', 'en'],
    [undefined, 'en;q=0.5,ja;q=0.5', 'en'],
    [undefined, 'ja;q=0.5,en;q=0.5', 'ja'],
    [undefined, ' ja ; q = 0.7 ', 'ja'],
    [undefined, '<script>,ja', 'ja'],
    [undefined, `${'x,'.repeat(600)}ja`, 'en'],
    ['ja', 'en-US', 'ja'],
    ['en', 'ja', 'en'],
    ['de', 'ja', 'ja'],
    ['JA', 'en', 'en'],
    ['', 'ja', 'ja'],
  ])('chosen %j with Accept-Language %j gives %s', (chosen, acceptLanguage, expected) => {
    expect(negotiateLocale({ chosen, acceptLanguage })).toBe(expected);
  });

  it('gives up on a header with too many ranges rather than parsing it all', () => {
    expect(negotiateLocale({ acceptLanguage: `${Array.from({ length: 40 }, () => 'fr').join(',')},ja` })).toBe('en');
  });
});

describe('createTranslator', () => {
  it('fills placeholders and leaves unknown ones visible', () => {
    const { t } = createTranslator('en');
    expect(t('mhaHome.heading', { name: 'B.Simon' })).toBe('Welcome, B.Simon');
    expect(t('mhaHome.heading')).toBe('Welcome, {name}');
    expect(createTranslator('ja').t('mhaHome.heading', { name: 'B.Simon' })).toBe('ようこそ、B.Simon さん');
  });

  it('looks up run-time keys and says when there is none', () => {
    const tr = createTranslator('ja');
    expect(tr.lookup('error.not_found')).toBe('このアドレスのページはありません。');
    expect(tr.lookup('error.no_such_code')).toBeUndefined();
    expect(tr.lookup('toString')).toBeUndefined();
    expect(tr.lookup('__proto__')).toBeUndefined();
  });
});

describe('describeError', () => {
  const en = createTranslator('en');
  const ja = createTranslator('ja');

  it('prefers the AADSTS code, then the OAuth error, then our code', () => {
    const assigned = new SignInError('entra_error', 403, 'x', { details: { error: 'access_denied', aadsts: '50105' } });
    expect(describeError(assigned, ja).heading).toBe(CATALOGUES.ja['aadsts.50105.title']);
    expect(describeError(assigned, en).advice).toBe(CATALOGUES.en['aadsts.50105.advice']);
    const unknownCode = new SignInError('entra_error', 403, 'x', { details: { error: 'access_denied', aadsts: '1' } });
    expect(describeError(unknownCode, en).heading).toBe(CATALOGUES.en['oauth.access_denied.title']);
    const bare = new SignInError('entra_error', 400, 'x', { details: { error: 'weird' } });
    expect(describeError(bare, ja).heading).toBe(CATALOGUES.ja['error.signin_entra_error']);
  });

  it('uses our code when the catalogue knows it', () => {
    expect(describeError(new NotFoundError(), ja)).toEqual({ heading: CATALOGUES.ja['error.not_found'], advice: CATALOGUES.ja['error.not_found.advice'] });
  });

  it('keeps the English message of a code the catalogue does not know, and says what the status means in Japanese', () => {
    const err = new ForbiddenError('brand_new_code', 'You need the Auditor role.');
    expect(describeError(err, en).heading).toBe('You need the Auditor role.');
    expect(describeError(err, ja).heading).toBe(CATALOGUES.ja['error.status.403']);
    expect(describeError(new AppError('odd', 418, 'teapot'), ja).heading).toBe(CATALOGUES.ja['error.title']);
  });
});

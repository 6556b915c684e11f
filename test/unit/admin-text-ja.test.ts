/**
 * Issue 15, admin text bilingual: every entry of the AADSTS code table and every doctor line has Japanese
 * words, written as src/i18n/ja.ts is (full-width punctuation), with the same placeholders as the English.
 */
import { describe, expect, it } from 'vitest';
import { ENTRA_ERROR_TABLE, explainEntraError, fillSteps, MAPPED_AADSTS_CODES } from '../../src/auth/entra-errors.js';
import { DOCTOR_TEXTS, say } from '../../src/doctor/messages.js';
import { secretCheck } from '../../src/doctor/checks.js';

const JAPANESE = /[\u3040-\u30ff\u4e00-\u9fff]/;
// Code spans and the portal's own names (「Certificates & secrets」) keep their ASCII as typed.
const prose = (text: string) => text.replace(/`[^`]*`/g, '').replace(/「[^」]*」/g, '');
/** ASCII punctuation where Japanese text wants the full-width form (：（）？！), like the catalogue's test. */
function halfWidth(text: string): string[] {
  return prose(text).match(/: |[()]|\?|!/g) ?? [];
}
const placeholders = (texts: readonly string[]) => [...new Set(texts.flatMap((t) => t.match(/\{\w+\}/g) ?? []))].sort();

describe('issue 15 admin text bilingual: the AADSTS code table in Japanese', () => {
  it.each(ENTRA_ERROR_TABLE.map((e) => [e.codes.join('/'), e] as const))('issue 15 admin text: AADSTS%s has a Japanese title, cause and steps, full-width punctuation', (_code, entry) => {
    const texts = [entry.ja.title, entry.ja.cause, ...entry.ja.steps];
    for (const text of texts) {
      expect(text, text).toMatch(JAPANESE);
      expect(halfWidth(text), text).toEqual([]);
    }
    // Sentences end with the Japanese full stop, not an ASCII one.
    for (const text of [entry.ja.cause, ...entry.ja.steps]) expect(text, text).toMatch(/[。、）]$/);
    expect(placeholders(texts), 'the same {placeholders} as the English').toEqual(placeholders([entry.title, entry.cause, ...entry.steps]));
    expect(entry.ja.steps.length, 'a step for a step').toBe(entry.steps.length);
  });

  it('issue 15 admin text: explainEntraError answers in the language asked, English by default', () => {
    for (const code of MAPPED_AADSTS_CODES) {
      const entry = ENTRA_ERROR_TABLE.find((e) => e.codes.includes(code))!;
      expect(explainEntraError({ error: 'invalid_client', aadsts: code }).cause).toBe(entry.cause);
      expect(explainEntraError({ error: 'invalid_client', aadsts: code }, 'ja').cause).toBe(entry.ja.cause);
    }
    // The fallbacks too: an OAuth error without a known code, and a code the table does not know.
    expect(explainEntraError({ error: 'temporarily_unavailable' }, 'ja').title).toBe('Entra は一時的に利用できません');
    expect(explainEntraError({ error: 'invalid_request', aadsts: '99999' }, 'ja').cause).toMatch(JAPANESE);
  });

  it('issue 15 admin text: a Japanese remark about a current value is dropped without the value, filled with it', () => {
    const step = ENTRA_ERROR_TABLE.find((e) => e.codes.includes('90002'))!.ja.steps[0]!;
    expect(fillSteps([step], {})[0]).toContain('ENTRA_TENANT_ID にコピーします。');
    expect(fillSteps([step], { tenantId: 'contoso.example' })[0]).toContain('ENTRA_TENANT_ID（現在の値：contoso.example）にコピーします。');
  });
});

describe('issue 15 admin text bilingual: the doctor\'s lines in Japanese', () => {
  it.each(Object.entries(DOCTOR_TEXTS))('issue 15 admin text: doctor line %s', (_key, { en, ja }) => {
    // A line that is only its parameters ("{url}：{failure}") has no words of its own.
    if (/[A-Za-z]/.test(en.replace(/\{\w+\}/g, ''))) expect(ja).toMatch(JAPANESE);
    expect(halfWidth(ja.replace(/https?:\/\/\S+/g, '')), ja).toEqual([]);
    expect(placeholders([ja])).toEqual(placeholders([en]));
  });

  it('issue 15 admin text: a check carries its Japanese next to the unchanged English', () => {
    const check = secretCheck('00000000-0000-0000-0000-000000000000');
    expect(check.message).toBe('set, 36 characters, a GUID: this is the secret\'s "Secret ID", not its "Value"');
    expect(check.translations?.ja?.message).toBe('設定済み（36 文字）ですが GUID です。これはシークレットの「Secret ID」（シークレット ID）で、「Value」（値）ではありません');
    expect(check.translations?.ja?.fix).toEqual([say('secret.fix').ja]);
    // A bilingual parameter is filled in its own language.
    expect(say('credentials.failed', { failure: say('net.refused') })).toEqual({ en: 'the token request failed: connection refused', ja: 'トークンの要求に失敗しました：接続が拒否されました' });
  });
});

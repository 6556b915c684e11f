/**
 * Issue 15, admin text bilingual: on a Japanese error page the "For administrators" block (the AADSTS code
 * table's title, cause and steps) is in Japanese, rendered (backticks as <code>), with no English sentence
 * left besides code, URLs and the portal's menu names; the English page keeps the English table.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ENTRA_ERROR_TABLE, fillSteps } from '../../src/auth/entra-errors.js';
import { stepValuesOf } from '../../src/auth/setup-problem.js';
import { Browser } from '../support/browser.js';
import { englishRuns } from '../support/english-runs.js';
import { startHarness, type Harness } from '../support/harness.js';

function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
function rich(text: string): string {
  return html(text).replace(/`([^`\n]{1,300})`/g, '<code>$1</code>');
}
function technicalBlock(page: string): string {
  const start = page.indexOf('<section class="technical"');
  expect(start, 'the page has a "For administrators" block').toBeGreaterThan(-1);
  return page.slice(start, page.indexOf('</section>', start));
}

type Cause = (h: Harness) => void;
const CASES: Array<[string, Record<string, string>, Cause]> = [
  // A wrong secret, as Entra answers it at the token endpoint.
  ['7000215', { ENTRA_CLIENT_SECRET: 'a-wrong-secret-value-that-entra-refuses-0123' }, () => {}],
  ['7000222', {}, (h) => (h.emulator.faults.secretExpired = true)],
  ['50105', {}, (h) => (h.emulator.faults.usersUnassigned = true)],
  ['90002', {}, (h) => (h.emulator.faults.authorizeError = 90002)],
];

describe('issue 15 admin text bilingual: the error page\'s "For administrators" block', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it.each(CASES)('issue 15 admin text: AADSTS%s in Japanese on a Japanese page', async (code, env, cause) => {
    h = await startHarness({ env: { SHOW_ERROR_DETAILS: 'true', ...env } });
    cause(h);
    const { res } = await new Browser({ 'accept-language': 'ja' }).signIn(`${h.baseUrl}/auth/login`);
    const page = await res.text();
    expect(page).toContain(`AADSTS${code}`);
    const block = technicalBlock(page);
    const entry = ENTRA_ERROR_TABLE.find((e) => e.codes.includes(code))!;
    expect(block).toContain(html(`管理者向け：${entry.ja.title}`));
    expect(block).toContain(`<p>${rich(fillSteps([entry.ja.cause], stepValuesOf(h.config))[0]!)}</p>`);
    for (const step of fillSteps(entry.ja.steps, stepValuesOf(h.config))) expect(block).toContain(`<li>${rich(step)}</li>`);
    // Nothing marked English but Entra's own message, no raw Markdown, no English sentence.
    expect(block.replace(/<code lang="en">[\s\S]*?<\/code>/g, '')).not.toContain('lang="en"');
    expect(block).not.toContain('`');
    expect(englishRuns(block)).toEqual([]);
  });

  it('issue 15 admin text: the English page keeps the English table', async () => {
    h = await startHarness({ env: { SHOW_ERROR_DETAILS: 'true' } });
    h.emulator.faults.secretExpired = true;
    const { res } = await new Browser({ 'accept-language': 'en' }).signIn(`${h.baseUrl}/auth/login`);
    const block = technicalBlock(await res.text());
    const entry = ENTRA_ERROR_TABLE.find((e) => e.codes.includes('7000222'))!;
    expect(block).toContain(html(`For administrators: ${entry.title}`));
    expect(block).toContain(`<p>${rich(entry.cause)}</p>`);
    expect(block).toContain('<code>npm run doctor</code>');
  });
});

/**
 * Issue 15, the doctor's words: what is wrong with a malformed tenant ID, a fix per variable instead of one
 * generic line, one explanation for one cause, and clouds compared only between hosts Entra owns.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { explainMalformedTenantId } from '../../src/auth/tenant-id.js';
import type { Check } from '../../src/doctor/check.js';
import { cloudCheck, collapseRepeatedCauses, configProblemCheck } from '../../src/doctor/checks.js';

const GOOD = '4f1c9c2e-7a35-4c8e-9a59-2d3b8e5f6a71';
const valid = {
  NODE_ENV: 'test',
  ENTRA_TENANT_ID: GOOD,
  ENTRA_CLIENT_ID: '0c6b8f3e-2d4a-4e9b-8f7c-1a2b3c4d5e6f',
  ENTRA_CLIENT_SECRET: 'abc~defghijklmnopqrstuvwxyz0123456789ABCD',
};

function tenantProblem(value: string): string {
  try {
    parseConfig({ ...valid, ENTRA_TENANT_ID: value });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.find((p) => p.startsWith('ENTRA_TENANT_ID:')) ?? '';
  }
  return '';
}

describe('issue 15 item 5: a malformed tenant ID is told what is wrong with it', () => {
  it.each([
    ['too short (a character lost)', GOOD.slice(0, 35), 'it has 35 characters in groups of 8-4-4-4-11; a GUID has 36, in groups of 8-4-4-4-12'],
    ['too long', `${GOOD}0`, 'it has 37 characters in groups of 8-4-4-4-13'],
    ['letters that are not hex (l for 1, O for 0)', GOOD.replace('1', 'l').replace('c', 'O'), 'it has characters that are not hex digits ("l", "O")'],
    ['braces from a registry export', `{${GOOD}}`, 'remove the braces { }: Entra writes the tenant ID without them'],
    ['the authority URL pasted', `https://login.microsoftonline.com/${GOOD}/v2.0`, `this is a URL, not the tenant ID: use only the GUID in it (${GOOD})`],
    ['a URL without a GUID', 'https://entra.microsoft.com/#home', 'this is a URL, not the tenant ID: use only the tenant part'],
    ['quotes kept by docker --env-file', `"${GOOD}"`, 'the value is wrapped in quotes ("…"), which `docker run --env-file` keeps as part of it: remove them'],
    ['no dashes', GOOD.replace(/-/g, ''), 'the dashes are missing: write it in groups of 8-4-4-4-12'],
    ['an e-mail address', 'admin@contoso.com', 'this is an e-mail address: use its domain (contoso.com)'],
    ['a space inside', `${GOOD.slice(0, 8)} ${GOOD.slice(9)}`, 'it has white space inside'],
    ['a bare word', 'contoso', 'it is neither a GUID nor a domain (a domain has a dot, like contoso.onmicrosoft.com)'],
    ['a bad domain', 'contoso_corp.com', 'it is not a valid domain name'],
  ])('%s', (_what, value, expected) => {
    const problem = tenantProblem(value);
    expect(problem).toContain(`ENTRA_TENANT_ID: ${expected}`);
    // Always what is expected, with both shapes, and the value as given.
    expect(problem).toContain('a GUID of 8-4-4-4-12 hex digits like 00000000-0000-0000-0000-000000000000, or a verified domain like contoso.onmicrosoft.com');
    expect(problem).toContain(`(got "${value}")`);
  });

  it('accepts a GUID and a verified domain', () => {
    expect(tenantProblem(GOOD)).toBe('');
    expect(tenantProblem('contoso.onmicrosoft.com')).toBe('');
  });

  it('shortens a very long paste', () => {
    expect(explainMalformedTenantId('x'.repeat(500))).toContain(`(got "${'x'.repeat(120)}…")`);
  });
});

describe('issue 15 item 5: every configuration problem has its own fix', () => {
  it.each([
    ['ENTRA_TENANT_ID: required; …', /Overview.*Tenant ID/],
    ['ENTRA_CLIENT_ID: expected the Application (client) ID, a GUID (got "x")', /Application \(client\) ID/],
    ['SESSION_SECRET: required when NODE_ENV=production; …', /openssl rand -base64 48/],
    ['TRUST_PROXY: expected …', /number of reverse proxies/],
    ['BASE_URL: required when NODE_ENV=production; …', /public origin users type/],
    ['REDIS_URL: required when SESSION_STORE=redis, …', /redis:\/\//],
  ])('%s', (problem, fix) => {
    const c = configProblemCheck(problem);
    expect(c.title).toBe(problem.slice(0, problem.indexOf(':')));
    expect(c.fix!.join(' ')).toMatch(fix);
    expect(c.fix!.join(' ')).not.toBe('See .env.example and README.md (Configuration).');
  });

  it('points an unlisted variable to its own row of the README table', () => {
    expect(configProblemCheck('UPSTREAM_TIMEOUT_MS: expected a whole number from 1 to 600000 (got "x")').fix).toEqual([
      'Set UPSTREAM_TIMEOUT_MS as the line above says; README.md, Configuration, has its row (what it means and its default).',
    ]);
  });
});

describe('issue 15 item 5: one cause, one explanation', () => {
  it('keeps the first AADSTS700016 block and turns the repeat into a pointer to it', () => {
    const block = (id: string, title: string): Check => ({ id, title, status: 'problem', message: `${title}: The application was not found in the directory (AADSTS700016).`, fix: ['step 1', 'step 2'], aadsts: '700016', cause: 'The application was not found in the directory', helpLink: 'https://login.microsoftonline.com/error?code=700016' });
    const out = collapseRepeatedCauses([block('client_credentials', 'Client ID and secret'), block('redirect_uri', 'Redirect URI')]);
    expect(out[0]).toEqual(block('client_credentials', 'Client ID and secret'));
    expect(out[1]).toEqual({
      id: 'redirect_uri',
      title: 'Redirect URI',
      status: 'skipped',
      message: 'not checked: the same cause as "Client ID and secret" above (The application was not found in the directory, AADSTS700016)',
      // Without a Japanese cause on the first line, its English one is quoted; the title is the page's.
      translations: { ja: { message: '未確認：上の「クライアント ID とシークレット」と同じ原因です（The application was not found in the directory、AADSTS700016）' } },
      aadsts: '700016',
    });
  });
});

describe('issue 15 item 4: the cloud check compares only Entra hosts', () => {
  const doc = (cloud: string) => ({ cloud_instance_name: cloud });
  it.each([
    ['https://login.microsoftonline.com', 'microsoftonline.com', 'ok'],
    ['https://login.microsoft.com', 'microsoftonline.com', 'ok'],
    ['https://login.microsoftonline.us', 'microsoftonline.us', 'ok'],
    ['https://login.partner.microsoftonline.cn', 'partner.microsoftonline.cn', 'ok'],
    ['https://login.microsoft.com', 'microsoftonline.us', 'problem'],
    ['https://login.microsoftonline.com', 'partner.microsoftonline.cn', 'problem'],
    ['https://entra-proxy.corp.example', 'microsoftonline.com', 'warning'],
    ['http://127.0.0.1:3001', 'microsoftonline.us', 'warning'],
  ] as const)('%s serving a tenant of %s: %s', (host, cloud, status) => {
    expect(cloudCheck(doc(cloud), host)?.status).toBe(status);
  });

  it('says nothing when the document names no cloud', () => {
    expect(cloudCheck({}, 'https://login.microsoft.com')).toBeUndefined();
  });
});

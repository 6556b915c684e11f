/**
 * Issue 15 branding, composed as in production (start()): ORG_NAME, ORG_LOGO_URL, HELP_URL and PRIVACY_URL
 * from the environment reach the sign-in card and footer in both languages, and the CSP's img-src widens by
 * exactly the logo's origin, nothing more.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/dev/emulator.js';
import { replicaEnv, startEmulatorFor, startReplica, type Replica } from '../support/ops.js';

function imgSrc(csp: string | null): string | undefined {
  return csp?.split(';').map((d) => d.trim()).find((d) => d.startsWith('img-src '));
}

describe('issue 15 branding: the customer organisation on the sign-in page', () => {
  let emulator: Emulator;
  const replicas: Replica[] = [];
  beforeAll(async () => {
    emulator = await startEmulatorFor(['http://127.0.0.1:3000']);
  });
  afterAll(async () => {
    for (const r of replicas) await r.close();
    await emulator?.close();
  });
  const replica = async (env: Record<string, string>): Promise<Replica> => {
    const r = await startReplica(replicaEnv(emulator, 'http://127.0.0.1:3000', env));
    replicas.push(r);
    return r;
  };

  it('issue 15 branding: the landing page shows the name, the logo with alt text and the links, in English and Japanese', async () => {
    const r = await replica({
      ORG_NAME: 'Contoso Pharma',
      ORG_LOGO_URL: 'https://cdn.contoso.example/brand/logo.svg',
      HELP_URL: 'https://help.contoso.example/sign-in',
      PRIVACY_URL: '/privacy',
    });
    const en = await (await fetch(`${r.url}/`, { headers: { 'accept-language': 'en' } })).text();
    expect(en).toContain('<span class="org-name">Contoso Pharma</span>');
    expect(en).toContain('<img class="org-logo" src="https://cdn.contoso.example/brand/logo.svg" alt="Contoso Pharma logo" height="36">');
    expect(en).toContain('<li><a href="https://help.contoso.example/sign-in">Help</a></li>');
    expect(en).toContain('<li><a href="/privacy">Privacy</a></li>');
    const ja = await (await fetch(`${r.url}/`, { headers: { 'accept-language': 'ja' } })).text();
    expect(ja).toContain('alt="Contoso Pharma のロゴ"');
    expect(ja).toContain('<li><a href="https://help.contoso.example/sign-in">ヘルプ</a></li>');
    expect(ja).toContain('<li><a href="/privacy">プライバシー</a></li>');
  });

  it('issue 15 branding: the CSP allows images from exactly the logo\'s origin', async () => {
    const r = await replica({ ORG_LOGO_URL: 'https://cdn.contoso.example:8443/brand/logo.svg?v=2' });
    const res = await fetch(`${r.url}/`);
    expect(imgSrc(res.headers.get('content-security-policy'))).toBe("img-src 'self' data: https://cdn.contoso.example:8443");
    // Only img-src: no other directive names it.
    expect(res.headers.get('content-security-policy')!.split('cdn.contoso.example')).toHaveLength(2);
  });

  it('issue 15 branding: without a logo on another site the CSP stays as it was', async () => {
    const plain = await replica({});
    expect(imgSrc((await fetch(`${plain.url}/`)).headers.get('content-security-policy'))).toBe("img-src 'self' data:");
    const local = await replica({ ORG_LOGO_URL: '/assets/favicon.svg', ORG_NAME: 'Contoso' });
    const res = await fetch(`${local.url}/`);
    expect(imgSrc(res.headers.get('content-security-policy'))).toBe("img-src 'self' data:");
    expect(await res.text()).toContain('<img class="org-logo" src="/assets/favicon.svg" alt="Contoso logo" height="36">');
  });
});

import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';

const base = {
  NODE_ENV: 'test',
  ENTRA_TENANT_ID: '4f1c9c2e-7a35-4c8e-9a59-2d3b8e5f6a71',
  ENTRA_CLIENT_ID: '0c6b8f3e-2d4a-4e9b-8f7c-1a2b3c4d5e6f',
  ENTRA_CLIENT_SECRET: 'a-secret-value',
};

describe('ENTRA_CLOUD: national clouds', () => {
  it.each([
    [undefined, 'https://login.microsoftonline.com', 'https://graph.microsoft.com'],
    ['public', 'https://login.microsoftonline.com', 'https://graph.microsoft.com'],
    ['usgov', 'https://login.microsoftonline.us', 'https://graph.microsoft.us'],
    ['China', 'https://login.partner.microsoftonline.cn', 'https://microsoftgraph.chinacloudapi.cn'],
  ])('ENTRA_CLOUD=%s picks %s and Graph %s', (cloud, authority, graph) => {
    const c = parseConfig({ ...base, ...(cloud ? { ENTRA_CLOUD: cloud } : {}) });
    expect(c.entra.authorityHost).toBe(authority);
    expect(c.entra.graphHost).toBe(graph);
    expect(c.entra.discoveryUrl.href).toBe(`${authority}/${base.ENTRA_TENANT_ID}/v2.0/.well-known/openid-configuration`);
  });

  it('lets ENTRA_AUTHORITY_HOST override the cloud; a loopback authority (the emulator) also serves Graph', () => {
    const c = parseConfig({ ...base, ENTRA_CLOUD: 'usgov', ENTRA_AUTHORITY_HOST: 'http://127.0.0.1:4010' });
    expect(c.entra.authorityHost).toBe('http://127.0.0.1:4010');
    expect(c.entra.graphHost).toBe('http://127.0.0.1:4010');
    const g = parseConfig({ ...base, ENTRA_CLOUD: 'usgov', ENTRA_GRAPH_HOST: 'https://graph.example.us' });
    expect(g.entra.authorityHost).toBe('https://login.microsoftonline.us');
    expect(g.entra.graphHost).toBe('https://graph.example.us');
  });

  it('refuses an unknown cloud and a plain-http Graph host, naming each variable', () => {
    expect(() => parseConfig({ ...base, ENTRA_CLOUD: 'germany', ENTRA_GRAPH_HOST: 'http://graph.example.com' })).toThrow(
      /ENTRA_CLOUD: expected public, usgov or china \(got "germany"\)[\s\S]*ENTRA_GRAPH_HOST: must use https/,
    );
  });
});

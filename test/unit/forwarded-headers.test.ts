import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createForwardFilter, isRoutingHeader } from '../../src/gateway/forwarded-headers.js';
import { isIdentityHeader } from '../../src/gateway/identity-headers.js';
import { ITEM_5_HEADERS } from '../support/spoofed-headers.js';


describe('issue 14 item 5: forwarded request headers are an allow-list', () => {
  it.each(ITEM_5_HEADERS)('%s is an identity or routing header, never forwarded', (name) => {
    expect(isIdentityHeader(name) || isRoutingHeader(name)).toBe(true);
    const headers: IncomingHttpHeaders = { [name.toLowerCase()]: 'spoofed', accept: 'text/html' };
    const spoofed = createForwardFilter(['x-custom-*', 'x-tenant-hint'])(headers);
    expect(headers).toEqual({ accept: 'text/html' });
    expect(spoofed).toEqual([name.toLowerCase()]);
  });

  it('keeps the standard request headers, framing and websocket handshake headers', () => {
    const standard: IncomingHttpHeaders = {
      accept: 'a', 'accept-language': 'ja', 'accept-encoding': 'gzip', authorization: 'Bearer x', 'cache-control': 'no-cache',
      'content-type': 'application/json', 'content-length': '2', 'transfer-encoding': 'chunked', cookie: 'a=1',
      'if-none-match': '"e"', 'if-modified-since': 'x', range: 'bytes=0-1', referer: 'r', origin: 'o', 'user-agent': 'u',
      'x-requested-with': 'XMLHttpRequest', 'x-xsrf-token': 't', 'sec-websocket-key': 'k', 'sec-websocket-version': '13',
      'sec-fetch-site': 'same-origin', traceparent: '00-x', connection: 'Upgrade', upgrade: 'websocket', host: 'h',
    };
    const headers = { ...standard };
    expect(createForwardFilter()(headers)).toEqual([]);
    expect(headers).toEqual(standard);
  });

  it('drops unknown headers and every name with an underscore, unless UPSTREAM_FORWARD_HEADERS names them', () => {
    const headers: IncomingHttpHeaders = { 'x-tenant-hint': 'a', 'x-custom-one': 'b', 'x-other': 'c', accept_language: 'd', 'x_tenant_hint': 'e' };
    expect(createForwardFilter()({ ...headers })).toEqual([]);
    const plain = { ...headers };
    createForwardFilter()(plain);
    expect(plain).toEqual({});
    const custom = { ...headers };
    createForwardFilter(['x-tenant-hint', 'x-custom-*'])(custom);
    expect(custom).toEqual({ 'x-tenant-hint': 'a', 'x-custom-one': 'b' });
  });

  it('logs at most 20 spoofed names, each at most 64 characters', () => {
    const headers: IncomingHttpHeaders = {};
    for (let i = 0; i < 50; i++) headers[`x-forwarded-${'a'.repeat(100)}-${i}`] = 'x';
    const spoofed = createForwardFilter()(headers);
    expect(spoofed).toHaveLength(20);
    expect(spoofed.every((n) => n.length === 64)).toBe(true);
    expect(headers).toEqual({});
  });
});

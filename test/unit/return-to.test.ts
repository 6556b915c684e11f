import { describe, expect, it } from 'vitest';
import { DEFAULT_RETURN_TO, sanitizeReturnTo } from '../../src/http/return-to.js';

describe('sanitizeReturnTo', () => {
  it.each([
    ['/mha/profile', '/mha/profile'],
    ['/mha/x?tab=1&y=2', '/mha/x?tab=1&y=2'],
    ['/', '/'],
    ['/mha/a%20b', '/mha/a%20b'],
  ])('keeps the same-origin path %s', (input, expected) => {
    expect(sanitizeReturnTo(input)).toBe(expected);
  });

  it.each([
    'https://evil.example',
    'http://evil.example/mha/',
    '//evil.example',
    '///evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    '/%5Cevil.example',
    '/%2F%2Fevil.example',
    '/%2f/evil.example',
    // Dot segments that collapse into an encoded "//" (found by the property test in test/security).
    '/%2e/%2F',
    '/./%2Fevil.example',
    '/a/../%2F%2Fevil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    '/\r\n/evil.example',
    '/%09/evil.example',
    'https:evil.example',
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'data:text/html,x',
    'mha/relative',
    '',
    '/%E0%A4%A',
    `/${'a'.repeat(3000)}`,
  ])('falls back to /mha/ for %j', (input) => {
    expect(sanitizeReturnTo(input)).toBe(DEFAULT_RETURN_TO);
  });

  it.each([undefined, null, 42, ['/mha/a', '/mha/b'], { __proto__: { x: 1 } }])('falls back for a non-string %j', (input) => {
    expect(sanitizeReturnTo(input)).toBe(DEFAULT_RETURN_TO);
  });
});

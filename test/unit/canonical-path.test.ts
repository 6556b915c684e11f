import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalTarget, type PathRefusal } from '../../src/http/canonical-path.js';

const ok = (target: string) => {
  const c = canonicalTarget(target);
  if (!c.ok) throw new Error(`${JSON.stringify(target)} refused: ${c.reason}`);
  return `${c.path}${c.search}`;
};
const reason = (target: string) => {
  const c = canonicalTarget(target);
  return c.ok ? `accepted as ${c.path}${c.search}` : c.reason;
};

describe('issue 14 item 2: canonicalTarget (one reading of a request target)', () => {
  it.each([
    // Already canonical: returned as they are.
    ['/', '/'],
    ['/mha', '/mha'],
    ['/mha/', '/mha/'],
    ['/mha/profile', '/mha/profile'],
    ['/MHA/Admin/X', '/MHA/Admin/X'], // case is kept; the prefix match ignores it
    ['/assets/styles.css', '/assets/styles.css'],
    ['/auth/identity-jwks.json', '/auth/identity-jwks.json'],
    ["/a-b_c~d!$&'()*+,=:@", "/a-b_c~d!$&'()*+,=:@"],
    ['/.well-known/x', '/.well-known/x'],
    ['/mha/..x', '/mha/..x'],
    // The query is kept as sent.
    ['/mha/x?a=1&b=/../%2F;\\', '/mha/x?a=1&b=/../%2F;\\'],
    ['/mha/x?returnTo=%2Fmha%2F', '/mha/x?returnTo=%2Fmha%2F'],
    ['/mha/x?a?b', '/mha/x?a?b'],
    ['/mha/x?', '/mha/x'],
    ['/?x=1', '/?x=1'],
    // Dot segments removed (RFC 3986 5.2.4), also spelled with %2e.
    ['/mha/./admin/x', '/mha/admin/x'],
    ['/mha/x/../admin/x', '/mha/admin/x'],
    ['/mha/%2e/admin/x', '/mha/admin/x'],
    ['/mha/%2E/admin/x', '/mha/admin/x'],
    ['/mha/x/%2e%2e/admin', '/mha/admin'],
    ['/mha/x/.%2E/admin', '/mha/admin'],
    ['/mha/x/%2e./admin', '/mha/admin'],
    ['/mha/../internal/secret', '/internal/secret'],
    ['/mha/admin/..', '/mha/'],
    ['/mha/admin/.', '/mha/admin/'],
    ['/mha/admin/./', '/mha/admin/'],
    ['/.', '/'],
    ['/./', '/'],
    ['/mha/..', '/'],
    ['/a/b/c/../../d', '/a/d'],
    ['/a/./b/./c', '/a/b/c'],
    // Percent-encoded unreserved characters decoded; other escapes kept, in upper-case hex.
    ['/mha/%61dmin', '/mha/admin'],
    ['/%6Dha/%41DMIN', '/mha/ADMIN'],
    ['/mha/%7e%2D%5f', '/mha/~-_'],
    ['/mha/a%20b', '/mha/a%20b'],
    ['/mha/a%25', '/mha/a%25'],
    ['/mha/a%25zz', '/mha/a%25zz'],
    ['/mha/%c3%a9t%C3%A9', '/mha/%C3%A9t%C3%A9'],
    ['/mha/%F0%9F%98%80', '/mha/%F0%9F%98%80'],
    // Characters not allowed raw in a path are encoded.
    ['/mha/"<>`{}|^[]', '/mha/%22%3C%3E%60%7B%7D%7C%5E%5B%5D'],
    // Raw bytes (header values are latin1) must be UTF-8, and are encoded.
    ['/mha/\u00c3\u00a9', '/mha/%C3%A9'],
  ])('%s -> %s', (target, expected) => {
    expect(ok(target)).toBe(expected);
  });

  it.each<[string, PathRefusal]>([
    ['', 'not_origin_form'],
    ['mha/x', 'not_origin_form'],
    ['*', 'not_origin_form'],
    ['http://evil.example/mha/admin', 'not_origin_form'],
    ['mha-signin:3000', 'not_origin_form'],
    ['?x', 'not_origin_form'],
    // Encoded slash and backslash: one segment here, two at some backends.
    ['/mha/%2Fadmin', 'encoded_slash'],
    ['/mha%2fadmin/x', 'encoded_slash'],
    ['/mha/admin\\x', 'backslash'],
    ['/mha\\admin', 'backslash'],
    ['/mha/%5Cadmin', 'backslash'],
    ['/mha/%5cadmin', 'backslash'],
    // Encoded delimiters: a backend that decodes before splitting reads a query or fragment there.
    ['/mha/admin%3F', 'encoded_delimiter'],
    ['/mha/a%3fb', 'encoded_delimiter'],
    ['/mha/admin%23x', 'encoded_delimiter'],
    // Path parameters: servlet containers cut the segment there.
    ['/mha/admin;x=1/y', 'path_parameter'],
    ['/mha;/admin', 'path_parameter'],
    ['/mha/..;/admin', 'path_parameter'],
    ['/mha/%3Badmin', 'path_parameter'],
    // Empty segments: merged by nginx and servlet containers.
    ['//mha/admin', 'empty_segment'],
    ['/mha//admin', 'empty_segment'],
    ['/mha/admin//', 'empty_segment'],
    ['/mha/.//admin', 'empty_segment'],
    ['//', 'empty_segment'],
    // Control characters, raw or encoded.
    ['/mha/\u0000', 'control_character'],
    ['/mha/%00', 'control_character'],
    ['/mha/admin%00.html', 'control_character'],
    ['/mha/%0a', 'control_character'],
    ['/mha/%0D%0AX-Forwarded-User:%20admin', 'control_character'],
    ['/mha/%1f', 'control_character'],
    ['/mha/%7F', 'control_character'],
    ['/mha/a b', 'control_character'],
    ['/mha/\t', 'control_character'],
    ['/mha/\u007f', 'control_character'],
    ['/mha/x?a=\u0000', 'control_character'],
    ['/mha/x?a b', 'control_character'],
    ['/mha/x?a=\r\n', 'control_character'],
    // Invalid percent encodings (IIS reads %u002f as /).
    ['/mha/%', 'invalid_percent_encoding'],
    ['/mha/%2', 'invalid_percent_encoding'],
    ['/mha/%2?x', 'invalid_percent_encoding'],
    ['/mha/%zz', 'invalid_percent_encoding'],
    ['/mha/%u002fadmin', 'invalid_percent_encoding'],
    ['/mha/%%32%65', 'invalid_percent_encoding'],
    ['/mha/%2/x', 'invalid_percent_encoding'],
    // Double encoding: a second decoding is another path.
    ['/mha/%252e%252e/admin', 'double_encoding'],
    ['/mha/%252Fadmin', 'double_encoding'],
    ['/mha/%2500', 'double_encoding'],
    ['/%25%610', 'double_encoding'],
    ['/mha/%25%34%31', 'double_encoding'],
    // Not UTF-8: overlong forms, surrogates, stray and truncated bytes.
    ['/mha/%C0%AF', 'invalid_utf8'],
    ['/mha/%c0%ae%c0%ae/admin', 'invalid_utf8'],
    ['/mha/%E0%80%AF', 'invalid_utf8'],
    ['/mha/%ED%A0%80', 'invalid_utf8'],
    ['/mha/%F4%90%80%80', 'invalid_utf8'],
    ['/mha/%F5%80%80%80', 'invalid_utf8'],
    ['/mha/%80', 'invalid_utf8'],
    ['/mha/%C3', 'invalid_utf8'],
    ['/mha/%C3/x', 'invalid_utf8'],
    ['/mha/%C3a', 'invalid_utf8'],
    ['/mha/%C3%41', 'invalid_utf8'],
    ['/mha/\u00ff', 'invalid_utf8'],
    // Dot segments above the root.
    ['/..', 'escapes_root'],
    ['/../mha', 'escapes_root'],
    ['/mha/../../internal', 'escapes_root'],
    ['/%2e%2e/x', 'escapes_root'],
    // Trailing dot or space: Windows and IIS drop them.
    ['/mha/admin./x', 'trailing_dot_or_space'],
    ['/mha/admin...', 'trailing_dot_or_space'],
    ['/mha/.x./y', 'trailing_dot_or_space'],
    ['/mha/admin%2e/x', 'trailing_dot_or_space'],
    ['/mha/admin%20/x', 'trailing_dot_or_space'],
    ['/mha/admin%20', 'trailing_dot_or_space'],
    // Fragments never belong in a request target.
    ['/mha/x#/../admin', 'fragment'],
    ['/mha/x?a#b', 'fragment'],
    // Not bytes.
    ['/mha/\u2215admin', 'not_bytes'],
    ['/mha/x?\u2028', 'not_bytes'],
  ])('refuses %j (%s)', (target, expected) => {
    expect(reason(target)).toBe(expected);
  });

  it('returns a canonical target as it is, without copying it', () => {
    const target = '/mha/reports/2024/summary?x=1';
    const c = canonicalTarget(target);
    expect(c).toEqual({ ok: true, path: '/mha/reports/2024/summary', search: '?x=1', rewritten: false });
    const bare = '/api/me';
    const d = canonicalTarget(bare);
    expect(d.ok && d.path).toBe(bare);
  });
});

/** Pieces that URL parsers and backends treat specially, mixed with plain text. */
const PIECES = [
  '/', '//', '.', '..', '%2e', '%2E', '%2e%2e', '.%2e', '%2f', '%2F', '%5c', '\\', ';', '%3b', '%00', '%0a', '%20', '%25', '%252e',
  '%41', '%61', '%7e', '%3f', '%23', '%c0%af', '%c3%a9', '%e2%80%a8', '%', '%z', '#', '?', ' ', '\t', 'admin', 'ADMIN', 'mha', 'x', 'a.', '~', '@', ':',
  '"', '<', '{', '|', '\u00e9', '\u2215',
];
const targets = fc
  .array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 3 })), { maxLength: 10 })
  .map((parts) => `/${parts.join('')}`);

describe('issue 14 item 2: canonicalTarget (properties)', () => {
  it('is a fixed point: the canonical form canonicalises to itself', () => {
    fc.assert(
      fc.property(targets, (target) => {
        const c = canonicalTarget(target);
        if (!c.ok) return;
        expect(canonicalTarget(`${c.path}${c.search}`)).toEqual({ ...c, rewritten: false });
        // And it says truly whether it changed the target.
        expect(c.rewritten).toBe(`${c.path}${c.search}` !== target);
      }),
      { numRuns: 20_000 },
    );
  });

  it('leaves nothing a backend would normalise further: WHATWG URL parsing, decoding and dot removal change nothing', () => {
    fc.assert(
      fc.property(targets, (target) => {
        const c = canonicalTarget(target);
        if (!c.ok) return;
        const { path } = c;
        expect(path.startsWith('/')).toBe(true);
        // What a WHATWG parser (Node's URL, browsers, http-proxy) makes of it is the same path.
        expect(new URL(path, 'http://backend.invalid').pathname).toBe(path);
        // No segment a backend could merge, split, cut or collapse, before or after one decoding.
        const decoded = decodeURIComponent(path);
        for (const p of [path, decoded]) {
          expect(p).not.toMatch(/\/\/|\\|;|[\u0000-\u001f\u007f]/);
          expect(p).not.toMatch(/(^|\/)\.\.?(\/|$)/);
          expect(p).not.toMatch(/[. ](\/|$)/);
        }
        // Decoding it once yields no further escapes to decode (no double encoding), and no query or fragment.
        expect(decoded).not.toMatch(/%[0-9a-f]{2}|[?#]/i);
      }),
      { numRuns: 20_000 },
    );
  });

  it('never throws, for any string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), targets), (target) => {
        const c = canonicalTarget(target);
        expect(typeof c.ok).toBe('boolean');
      }),
      { numRuns: 20_000 },
    );
  });
});

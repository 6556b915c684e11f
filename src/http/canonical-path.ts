/**
 * The one reading of a request target that every gate judges and the backend receives.
 *
 * Why: a gate that judges one spelling of a path while the backend normalises it into another can be walked
 * around (`/mha/./admin`, `/mha/x/../admin`, `/mha/%2e/admin`, `/mha/admin\x` all reach a backend's
 * `/mha/admin`). So the path is canonicalised once, here; the gates run on the result, and the gateway
 * forwards exactly the result. What is read differently by common backends (nginx, servlet containers,
 * ASP.NET/IIS, WHATWG URL parsers) is refused instead of guessed at.
 *
 * The canonical form (RFC 3986 section 6.2.2, plus refusals):
 * - percent-encoded unreserved characters (`A-Z a-z 0-9 - . _ ~`) are decoded; every other escape keeps its
 *   encoding, in upper-case hex; characters that may not appear raw in a path (`"` `<` `>` `[` `]` `^` `` ` ``
 *   `{` `|` `}`, bytes above 0x7F) are percent-encoded;
 * - dot segments (`.`, `..`, also spelled `%2e`) are removed; a `..` above the root is refused;
 * - letter case is kept (the prefix match is case-insensitive; see matchesPrefix);
 * - the query is kept as sent, after the first `?` (an empty one is dropped).
 *
 * Pure and allocation-free for a path that is already canonical (the common case, and the gated hot path):
 * one pass over the string, a table lookup per character, no regular expression.
 */

/** Why a request target was refused; stable values (logs, tests, error details), never client text. */
export type PathRefusal =
  /** Not origin-form (`/path?query`): an absolute URI, an authority, `*` or nothing. */
  | 'not_origin_form'
  /** `%2F`: one segment to some backends, two to others (Tomcat, IIS and WHATWG differ). */
  | 'encoded_slash'
  /** `\` or `%5C`: a slash to IIS, Windows and WHATWG URL parsers, a character to others. */
  | 'backslash'
  /** `%3F` or `%23`: a backend that decodes before it splits reads a query or a fragment there (`/admin%3F`). */
  | 'encoded_delimiter'
  /** `;` or `%3B`: servlet containers and Spring cut a segment at a path parameter (`/admin;x=1` is `/admin`). */
  | 'path_parameter'
  /** `//`: nginx and servlet containers merge it, others keep an empty segment. */
  | 'empty_segment'
  /** A control character, a space or DEL, raw or percent-encoded (`%00` truncates paths in some backends). */
  | 'control_character'
  /** `%` not followed by two hex digits (IIS reads `%u002f` as `/`). */
  | 'invalid_percent_encoding'
  /** `%25` followed by two hex digits: a backend that decodes twice sees another path. */
  | 'double_encoding'
  /** Bytes that are not UTF-8: overlong forms (`%C0%AF` is `/` to a lax decoder), surrogates, stray bytes. */
  | 'invalid_utf8'
  /** More `..` segments than segments above them. */
  | 'escapes_root'
  /** A segment ending in `.` or a space: Windows and IIS drop them (`/admin.` is `/admin` there). */
  | 'trailing_dot_or_space'
  /** `#`: a fragment is never part of a request target; URL parsers drop what follows. */
  | 'fragment'
  /** A character above U+00FF: cannot have come from the wire, where a target is bytes. */
  | 'not_bytes';

export type CanonicalTarget =
  | {
      readonly ok: true;
      /** The canonical path, always starting with `/`. */
      readonly path: string;
      /** `?` and the query as sent, or `''`. */
      readonly search: string;
      /** Whether `path + search` differs from the target (false: the target was already canonical). */
      readonly rewritten: boolean;
    }
  | { readonly ok: false; readonly reason: PathRefusal };

const SLASH = 0x2f;
const DOT = 0x2e;
const PERCENT = 0x25;
const QUESTION = 0x3f;

// What a path character is, for the characters below 0x80.
const PLAIN = 1; // may stand as it is: unreserved except '.', sub-delims except ';', ':', '@'
const ENCODE = 2; // printable, but not allowed raw in a path: percent-encoded in the canonical form
const SPECIAL = 3; // '/', '.', '%': structure, handled by the canonicaliser
const REFUSE = 4; // control characters, space, DEL, '\', ';', '#'

const CLASS = new Uint8Array(128).fill(REFUSE);
for (let c = 0x21; c < 0x7f; c++) CLASS[c] = ENCODE;
for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~!$&'()*+,=:@") CLASS[ch.charCodeAt(0)] = PLAIN;
for (const ch of '/.%') CLASS[ch.charCodeAt(0)] = SPECIAL;
for (const ch of '\\;#') CLASS[ch.charCodeAt(0)] = REFUSE;

const UNRESERVED = new Uint8Array(128);
for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~') UNRESERVED[ch.charCodeAt(0)] = 1;

const HEX = '0123456789ABCDEF';

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

const refused = (reason: PathRefusal): CanonicalTarget => ({ ok: false, reason });

/** An encoded '%' followed by two hex digits: what a backend that decodes twice reads as another byte. */
function doublyEncoded(segment: string): boolean {
  for (let at = segment.indexOf('%25'); at !== -1; at = segment.indexOf('%25', at + 3)) {
    if (at + 4 < segment.length && hexValue(segment.charCodeAt(at + 3)) >= 0 && hexValue(segment.charCodeAt(at + 4)) >= 0) return true;
  }
  return false;
}

/**
 * The canonical path and query of a request target (`req.url` as Node gives it, or a proxy's
 * X-Forwarded-Uri), or why it is refused.
 */
export function canonicalTarget(target: string): CanonicalTarget {
  const length = target.length;
  if (length === 0 || target.charCodeAt(0) !== SLASH) return refused('not_origin_form');
  // The fast pass: the path is canonical when every character may stand as it is, no segment is empty, and
  // no segment ends in '.' (that covers '.', '..' and a trailing dot, which the full pass collapses or refuses).
  let end = length;
  let canonical = true;
  let previous = SLASH;
  for (let i = 1; i < length; i++) {
    const c = target.charCodeAt(i);
    if (c === QUESTION) {
      end = i;
      break;
    }
    if (c >= 0x80 || CLASS[c] !== PLAIN) {
      if (c === SLASH) {
        if (previous === SLASH || previous === DOT) canonical = false;
      } else if (c !== DOT) {
        canonical = false;
      }
    }
    previous = c;
  }
  if (previous === DOT) canonical = false;
  const queryProblem = checkQuery(target, end);
  if (queryProblem) return refused(queryProblem);
  // An empty query ('/x?') is dropped: proxies and URL parsers do not agree on keeping it.
  const search = end + 1 >= length ? '' : target.slice(end);
  if (canonical) return { ok: true, path: end === length ? target : target.slice(0, end), search, rewritten: end === length - 1 };
  return canonicalise(target, end, search);
}

/** The query is kept as sent; only what no request target may carry is refused. */
function checkQuery(target: string, from: number): PathRefusal | undefined {
  for (let i = from + 1; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return 'control_character';
    if (c === 0x23) return 'fragment';
    if (c > 0xff) return 'not_bytes';
  }
  return undefined;
}

/** The full pass, for a path that needs decoding, encoding, dot-segment removal or a refusal. */
function canonicalise(target: string, end: number, search: string): CanonicalTarget {
  const segments: string[] = [];
  let segment = '';
  // UTF-8 validation over the path's bytes (escapes above %7F, and raw bytes above 0x7F from header values).
  let pending = 0;
  let low = 0x80;
  let high = 0xbf;
  const utf8 = (byte: number): boolean => {
    if (pending > 0) {
      if (byte < low || byte > high) return false;
      pending--;
      low = 0x80;
      high = 0xbf;
      return true;
    }
    if (byte < 0x80) return true;
    if (byte >= 0xc2 && byte <= 0xdf) pending = 1;
    else if (byte === 0xe0) [pending, low] = [2, 0xa0];
    else if ((byte >= 0xe1 && byte <= 0xec) || byte === 0xee || byte === 0xef) pending = 2;
    else if (byte === 0xed) [pending, high] = [2, 0x9f];
    else if (byte === 0xf0) [pending, low] = [3, 0x90];
    else if (byte >= 0xf1 && byte <= 0xf3) pending = 3;
    else if (byte === 0xf4) [pending, high] = [3, 0x8f];
    else return false;
    return true;
  };

  for (let i = 1; i <= end; i++) {
    if (i === end || target.charCodeAt(i) === SLASH) {
      if (pending > 0) return refused('invalid_utf8');
      const last = i === end;
      if (segment === '.' || segment === '..') {
        if (segment === '..' && segments.pop() === undefined) return refused('escapes_root');
        // '/a/.' and '/a/b/..' name a directory: '/a/'.
        if (last) segments.push('');
      } else if (segment === '' && !last) {
        return refused('empty_segment');
      } else if (segment.endsWith('.') || segment.endsWith('%20')) {
        return refused('trailing_dot_or_space');
      } else if (doublyEncoded(segment)) {
        // Checked on the decoded segment: '%25%61%30' decodes to '%25a0', which a second decoding reads as a byte.
        return refused('double_encoding');
      } else {
        segments.push(segment);
      }
      segment = '';
      continue;
    }
    const c = target.charCodeAt(i);
    if (c > 0xff) return refused('not_bytes');
    if (c >= 0x80) {
      // A raw byte (Node gives header values as latin1): valid UTF-8 only, and encoded.
      if (!utf8(c)) return refused('invalid_utf8');
      segment += `%${HEX[c >> 4]}${HEX[c & 15]}`;
      continue;
    }
    if (pending > 0 && c !== PERCENT) return refused('invalid_utf8');
    const kind = CLASS[c];
    if (kind === PLAIN || c === DOT) {
      segment += target[i];
    } else if (kind === ENCODE) {
      segment += `%${HEX[c >> 4]}${HEX[c & 15]}`;
    } else if (c === PERCENT) {
      if (i + 2 >= end) return refused('invalid_percent_encoding');
      const h1 = hexValue(target.charCodeAt(i + 1));
      const h2 = hexValue(target.charCodeAt(i + 2));
      if (h1 < 0 || h2 < 0) return refused('invalid_percent_encoding');
      const byte = h1 * 16 + h2;
      i += 2;
      if (byte >= 0x80) {
        if (!utf8(byte)) return refused('invalid_utf8');
        segment += `%${HEX[h1]}${HEX[h2]}`;
        continue;
      }
      if (pending > 0) return refused('invalid_utf8');
      if (UNRESERVED[byte] === 1) segment += String.fromCharCode(byte);
      else if (byte === SLASH) return refused('encoded_slash');
      else if (byte === 0x5c) return refused('backslash');
      else if (byte === 0x3b) return refused('path_parameter');
      else if (byte === QUESTION || byte === 0x23) return refused('encoded_delimiter');
      else if (byte < 0x20 || byte === 0x7f) return refused('control_character');
      else segment += `%${HEX[h1]}${HEX[h2]}`;
    } else if (c === 0x5c) {
      return refused('backslash');
    } else if (c === 0x3b) {
      return refused('path_parameter');
    } else if (c === 0x23) {
      return refused('fragment');
    } else {
      return refused('control_character');
    }
  }
  const path = `/${segments.join('/')}`;
  return { ok: true, path, search, rewritten: path.length !== end || search.length !== target.length - end || !target.startsWith(path) };
}

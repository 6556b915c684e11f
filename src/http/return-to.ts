export const DEFAULT_RETURN_TO = '/mha/';
const MAX_LENGTH = 2048;
const PROBE_ORIGIN = 'http://return-to.invalid';

/**
 * Collapses a caller-supplied `returnTo` to a same-origin absolute path, or the default.
 * Browsers treat `//host`, `/\host`, tabs and newlines inside URLs loosely, so anything that could be
 * read as another origin is refused outright rather than "cleaned".
 */
export function sanitizeReturnTo(input: unknown): string {
  if (typeof input !== 'string' || input.length === 0 || input.length > MAX_LENGTH) return DEFAULT_RETURN_TO;
  if (readAsForeign(input)) return DEFAULT_RETURN_TO;

  let url: URL;
  try {
    url = new URL(input, PROBE_ORIGIN);
  } catch {
    return DEFAULT_RETURN_TO;
  }
  if (url.origin !== PROBE_ORIGIN) return DEFAULT_RETURN_TO;
  // Dot segments collapse while parsing: "/.//evil" becomes the path "//evil", which a browser reads as
  // another host, and "/%2e/%2F%2Fevil" becomes "/%2F%2Fevil". Judge the path we would actually send by the
  // same rules as the input, so what we return is also what sanitizing it again would return.
  const path = `${url.pathname}${url.search}`;
  return readAsForeign(path) ? DEFAULT_RETURN_TO : path;
}

/** Anything a browser (or a decoding proxy) could read as another origin: refused outright, never "cleaned". */
function readAsForeign(value: string): boolean {
  if (!value.startsWith('/') || value.startsWith('//')) return true;
  // Backslashes and control characters are normalised to "/" or dropped by browsers.
  if (UNSAFE.test(value)) return true;
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return true;
  }
  // Encoded slashes, backslashes or controls (/%2F%2Fevil, /%5Cevil) only ever appear in attacks.
  return decoded.startsWith('//') || UNSAFE.test(decoded);
}

const UNSAFE = /[\\\u0000-\u001f\u007f]/;

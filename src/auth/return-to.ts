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
  if (!input.startsWith('/') || input.startsWith('//')) return DEFAULT_RETURN_TO;
  // Backslashes and control characters are normalised to "/" or dropped by browsers.
  if (/[\\\u0000-\u001f\u007f]/.test(input)) return DEFAULT_RETURN_TO;

  let decoded: string;
  try {
    decoded = decodeURIComponent(input);
  } catch {
    return DEFAULT_RETURN_TO;
  }
  // Encoded slashes, backslashes or controls (/%2F%2Fevil, /%5Cevil) only ever appear in attacks.
  if (decoded.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(decoded)) return DEFAULT_RETURN_TO;

  let url: URL;
  try {
    url = new URL(input, PROBE_ORIGIN);
  } catch {
    return DEFAULT_RETURN_TO;
  }
  if (url.origin !== PROBE_ORIGIN) return DEFAULT_RETURN_TO;
  // Dot segments collapse while parsing: "/.//evil" becomes the path "//evil", which a browser reads as
  // another host. Judge the path we would actually send, not only the input.
  const path = `${url.pathname}${url.search}`;
  if (path.startsWith('//') || path.includes('\\')) return DEFAULT_RETURN_TO;
  return path;
}

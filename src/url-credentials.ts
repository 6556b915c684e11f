/**
 * The one way a URL is shown in a message, a log line or a report: with its credentials replaced by `***`.
 * Configuration errors echo what an admin typed (`got "…"`), and a URL variable can carry a user name and
 * password (`https://user:secret@host`): every such echo goes through here, valid URL or not.
 */
export function maskUrlCredentials(value: string | URL): string {
  if (value instanceof URL) {
    // Without credentials it is text like any other: `user:secret@host` parses as scheme `user:`, path `secret@host`.
    if (!value.username && !value.password) return maskUrlCredentials(value.href);
    const masked = new URL(value.href);
    if (masked.username) masked.username = '***';
    if (masked.password) masked.password = '***';
    return masked.href;
  }
  if (!value.includes('@')) return value;
  // An '@' in the path or query of a URL that parses with a host and no credentials is not userinfo.
  try {
    const url = new URL(value);
    if (url.host && !url.username && !url.password) return value;
  } catch {
    // Not a URL: a typo can still hold a password (`https://user:pa/ss@host`, `user:secret@host`).
  }
  // Everything from after `scheme://` (or the start) up to the last '@' may be userinfo: hide all of it. This
  // hides more than the userinfo when a path holds an '@' too, never less.
  const start = /^[a-z][a-z0-9+.-]*:\/\//i.exec(value)?.[0].length ?? 0;
  return `${value.slice(0, start)}***${value.slice(value.lastIndexOf('@'))}`;
}

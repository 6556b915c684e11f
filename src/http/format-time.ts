import type { Locale } from '../i18n/i18n.js';

/**
 * One time format on every page, in the reader's language: "4 Dec 2026, 18:27:49 UTC" / "2026/12/04 18:27:49 UTC".
 * UTC, not the server's zone: it is what Entra's sign-in logs and the codes to quote use. The machine-readable
 * value stays in `<time datetime>`. Entra's "2026-12-04 18:27:49Z" is read as well as ISO 8601.
 */
const FORMATS = new Map<Locale, Intl.DateTimeFormat>();

export function formatTime(value: string, locale: Locale): string {
  const ms = Date.parse(value.replace(' ', 'T'));
  if (Number.isNaN(ms)) return value;
  let format = FORMATS.get(locale);
  if (!format) {
    format = new Intl.DateTimeFormat(locale === 'ja' ? 'ja-JP' : 'en-GB', {
      year: 'numeric', month: locale === 'ja' ? '2-digit' : 'short', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZone: 'UTC', timeZoneName: 'short',
    });
    FORMATS.set(locale, format);
  }
  return format.format(ms);
}

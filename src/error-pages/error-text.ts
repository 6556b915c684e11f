import { AppError, SignInError } from '../errors.js';
import { catalogueCode } from '../auth/entra-errors.js';
import type { Translator } from '../i18n/i18n.js';

export interface ErrorText {
  readonly heading: string;
  readonly advice?: string | undefined;
}

/**
 * What an error page says, in the reader's language. Catalogue keys follow the error, most specific
 * first: the AADSTS code Entra sent, the OAuth `error` value, our own error `code`, then the HTTP status.
 * The error's details (e.g. `role`, `aadsts`) fill `{placeholders}`.
 */
export function describeError(err: AppError, tr: Pick<Translator, 'locale' | 'lookup'>): ErrorText {
  const d = err.details;
  const pair = (base: string, suffix: string): ErrorText | undefined => {
    const heading = tr.lookup(`${base}${suffix}`, d);
    return heading === undefined ? undefined : { heading, advice: tr.lookup(`${base}.advice`, d) };
  };
  const fromEntra =
    err instanceof SignInError
      ? ((d['aadsts'] ? pair(`aadsts.${catalogueCode(d['aadsts'])}`, '.title') : undefined) ?? (d['error'] ? pair(`oauth.${d['error']}`, '.title') : undefined))
      : undefined;
  const found = fromEntra ?? pair(`error.${err.code}`, '');
  if (found) return found;
  // A code with no catalogue entry: English keeps the specific message, other languages say what the status means.
  if (tr.locale === 'en') return { heading: err.message, advice: d['advice'] };
  return { heading: tr.lookup(`error.status.${err.status}`) ?? tr.lookup('error.title')! };
}

import { en, type Catalogue, type MessageKey } from './en.js';
import { ja } from './ja.js';

export type { MessageKey } from './en.js';

/** The languages pages are offered in; the first is the default when nothing else matches. */
export const LOCALES = ['en', 'ja'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

/** Each language's own name, written in that language (what a switcher shows). */
export const LOCALE_NAMES: Readonly<Record<Locale, string>> = { en: 'English', ja: '日本語' };

export const CATALOGUES: Readonly<Record<Locale, Catalogue>> = { en, ja };

export type MessageParams = Readonly<Record<string, string | number>>;

export interface Translator {
  readonly locale: Locale;
  /** The text for a key, `{name}` placeholders filled from `params`. */
  t(key: MessageKey, params?: MessageParams): string;
  /** For keys built at run time (`error.${code}`): the text, or undefined when the catalogue has none. */
  lookup(key: string, params?: MessageParams): string | undefined;
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

export function createTranslator(locale: Locale): Translator {
  const catalogue: Readonly<Record<string, string>> = CATALOGUES[locale];
  const lookup = (key: string, params?: MessageParams): string | undefined => {
    if (!Object.hasOwn(catalogue, key)) return undefined;
    return format(catalogue[key]!, params);
  };
  return {
    locale,
    t: (key, params) => lookup(key, params)!,
    lookup,
  };
}

function format(template: string, params: MessageParams | undefined): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
}

// Bounds on what we parse from a client header: a hostile one cannot make negotiation expensive.
const MAX_HEADER_LENGTH = 1024;
const MAX_RANGES = 32;
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/**
 * Picks the page language: an explicit choice (the remembered cookie) wins; otherwise the best
 * `Accept-Language` range (RFC 9110 §12.5.4, q-values honoured, `ja-JP` matches `ja`); otherwise English.
 */
export function negotiateLocale(input: { readonly chosen?: string | undefined; readonly acceptLanguage?: string | undefined }): Locale {
  if (isLocale(input.chosen)) return input.chosen;
  const header = input.acceptLanguage;
  if (!header || header.length > MAX_HEADER_LENGTH) return DEFAULT_LOCALE;

  const ranges: Array<{ tag: string; q: number; order: number }> = [];
  for (const [order, part] of header.split(',').slice(0, MAX_RANGES).entries()) {
    const [rawTag, ...rawParams] = part.trim().split(';');
    const tag = rawTag?.trim().toLowerCase();
    if (!tag || !/^(?:\*|[a-z]{1,8}(?:-[a-z0-9]{1,8})*)$/.test(tag)) continue;
    let q = 1;
    for (const p of rawParams) {
      const [k, v] = p.trim().split('=');
      if (k?.trim().toLowerCase() !== 'q') continue;
      q = v !== undefined && QVALUE.test(v.trim()) ? Number(v.trim()) : 0;
    }
    if (q > 0) ranges.push({ tag, q, order });
  }
  // Highest q first; equal q keeps the client's order.
  ranges.sort((a, b) => b.q - a.q || a.order - b.order);
  for (const { tag } of ranges) {
    if (tag === '*') return DEFAULT_LOCALE;
    const primary = tag.split('-')[0];
    if (isLocale(primary)) return primary;
  }
  return DEFAULT_LOCALE;
}

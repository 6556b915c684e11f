import { Eta } from 'eta';
import { fileURLToPath } from 'node:url';
import type { Locale } from '../i18n/i18n.js';
import { createAssets, type Assets } from './assets.js';
import { formatTime } from './format-time.js';

/** Renders templates from views/; Eta escapes every `<%= %>` output, so claims can never inject markup. */
export interface Views {
  render(name: string, data: Record<string, unknown>): string;
  /** The static files and their fingerprinted addresses (served by app.ts). */
  readonly assets: Assets;
}

export const VIEWS_DIR = fileURLToPath(new URL('../../views/', import.meta.url));
export const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

/**
 * What every template may call besides its data: `asset('styles.css')` (the fingerprinted URL),
 * `rich(text)` (escaped text whose `backticks` become <code>: the doctor's and the code table's texts use
 * them for variable names and values) and `time(iso, locale)` (the one localised time format).
 */
export interface ViewHelpers {
  asset(name: string): string;
  rich(text: string): string;
  time(value: string, locale: Locale): string;
  /** Up to two letters for the account button ("B.Simon" -> "BS"). */
  initials(name: string): string;
  /** An e-mail address that may wrap only after its "@", never inside a word (for `<%~ %>`). */
  email(text: string): string;
}

export function createViews(options: { cache: boolean; dir?: string; publicDir?: string }): Views {
  const eta = new Eta({ views: options.dir ?? VIEWS_DIR, cache: options.cache, autoEscape: true, autoTrim: false });
  const assets = createAssets(options.publicDir ?? PUBLIC_DIR);
  const helpers: ViewHelpers = { asset: assets.url, rich: richText, time: formatTime, initials, email: emailText };
  return {
    assets,
    render(name, data) {
      return eta.render(name, { ...helpers, ...data });
    },
  };
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function emailText(text: unknown): string {
  return escapeHtml(text).replace(/@/g, '@<wbr>');
}

function escapeHtml(text: unknown): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Escapes everything, then turns `code` spans into <code> (for `<%~ it.rich(text) %>`); nothing else is markup. */
export function richText(text: unknown): string {
  return escapeHtml(text).replace(/`([^`\n]{1,300})`/g, '<code>$1</code>');
}

export function initials(name: string): string {
  const parts = String(name).split(/[\s._@-]+/).filter(Boolean);
  const words = parts.length > 1 ? parts.slice(0, 2) : [String(name)];
  return words.map((p) => Array.from(p)[0] ?? '').join('').toUpperCase();
}

import type { Request, Response } from 'express';
import { explainEntraError, fillSteps, type Fixer, type StepValues } from '../auth/entra-errors.js';
import type { AppError } from '../errors.js';
import type { Locale } from '../i18n/i18n.js';

/**
 * The technical part of an error page: Entra's own description, who can fix it and the steps from the
 * code table. Shown only to admins (or to everyone while SHOW_ERROR_DETAILS=true, during set-up): Entra's
 * descriptions name the app, the tenant and the user, and the steps name configuration variables.
 * The codes to quote (AADSTS, trace and correlation ids, timestamp, request id) are on every page.
 */
export interface ErrorPageOptions {
  /** Whether this request may see the technical detail. */
  readonly showDetails?: (req: Request) => boolean;
  /** This deployment's values the steps refer to (redirect URI...). */
  readonly stepValues?: StepValues;
  /**
   * Moves a failure to another URL instead of rendering it here (true when it answered): a browser's failed
   * sign-in callback goes to its reloadable error page (src/error-pages/error-reference.ts).
   */
  readonly moveToErrorPage?: (err: AppError, req: Request, res: Response) => boolean;
}

export interface TechnicalDetails {
  /** Plain-language title for the admin, in the page's language (from the code table). */
  readonly title: string;
  readonly fixer: Fixer;
  readonly cause: string;
  readonly steps: readonly string[];
  readonly error: string;
  readonly description?: string;
  readonly helpLink: string;
}

/**
 * Undefined for errors that did not come from Entra (our own refusals have nothing more to say). The title,
 * cause and steps are in `locale` (the code table has English and Japanese); JSON answers keep English.
 */
export function technicalDetails(err: AppError, stepValues: StepValues, locale: Locale = 'en'): TechnicalDetails | undefined {
  const d = err.details;
  if (d['error'] === undefined) return undefined;
  const explained = explainEntraError({ error: d['error'], aadsts: d['aadsts'] }, locale);
  return {
    title: explained.title,
    fixer: explained.fixer,
    // A cause may name a current value too ("ENTRA_TENANT_ID ({tenantId})").
    cause: fillSteps([explained.cause], stepValues)[0]!,
    steps: fillSteps(explained.steps, stepValues),
    error: d['error'],
    ...(d['description'] ? { description: d['description'] } : {}),
    helpLink: explained.helpLink,
  };
}

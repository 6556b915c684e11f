import type { Request, Response } from 'express';
import { explainEntraError, fillSteps, type Fixer, type StepValues } from '../auth/entra-errors.js';
import type { AppError } from '../errors.js';

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
  /** Plain-language title for the admin (English: it comes from the code table). */
  readonly title: string;
  readonly fixer: Fixer;
  readonly cause: string;
  readonly steps: readonly string[];
  readonly error: string;
  readonly description?: string;
  readonly helpLink: string;
}

/** Undefined for errors that did not come from Entra (our own refusals have nothing more to say). */
export function technicalDetails(err: AppError, stepValues: StepValues): TechnicalDetails | undefined {
  const d = err.details;
  if (d['error'] === undefined) return undefined;
  const explained = explainEntraError({ error: d['error'], aadsts: d['aadsts'] });
  return {
    title: explained.title,
    fixer: explained.fixer,
    cause: explained.cause,
    steps: fillSteps(explained.steps, stepValues),
    error: d['error'],
    ...(d['description'] ? { description: d['description'] } : {}),
    helpLink: explained.helpLink,
  };
}

import type { Request, Response } from 'express';
import type { Config } from '../config.js';
import { cookieNames, cookieOptions, readCookie } from './cookies.js';

/**
 * "You have signed out" after the round trip through Entra's logout: the post-logout redirect URI is the
 * bare start page (it must match the registration exactly), so a short-lived flag cookie carries the news.
 * It says nothing about who signed out and is read once.
 */
const NOTICE_MS = 10 * 60 * 1000;

export function signedOutCookieName(config: Config): string {
  return cookieNames(config.session.secure).signedOut;
}

export function markSignedOut(res: Response, config: Config): void {
  res.cookie(signedOutCookieName(config), '1', cookieOptions(config.session.secure, NOTICE_MS));
}

/** True once after a sign-out; clears the flag. */
export function takeSignedOut(req: Request, res: Response, config: Config): boolean {
  const name = signedOutCookieName(config);
  if (readCookie(req.headers.cookie, name) !== '1') return false;
  res.clearCookie(name, cookieOptions(config.session.secure));
  return true;
}

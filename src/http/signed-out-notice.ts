import type { Request, Response } from 'express';
import type { Config } from '../config.js';
import { readCookie } from './cookies.js';

/**
 * "You have signed out" after the round trip through Entra's logout: the post-logout redirect URI is the
 * bare start page (it must match the registration exactly), so a short-lived flag cookie carries the news.
 * It says nothing about who signed out and is read once.
 */
const NOTICE_MS = 10 * 60 * 1000;

export function signedOutCookieName(config: Config): string {
  return config.session.secure ? '__Host-mha.signed_out' : 'mha.signed_out';
}

export function markSignedOut(res: Response, config: Config): void {
  res.cookie(signedOutCookieName(config), '1', { httpOnly: true, secure: config.session.secure, sameSite: 'lax', path: '/', maxAge: NOTICE_MS });
}

/** True once after a sign-out; clears the flag. */
export function takeSignedOut(req: Request, res: Response, config: Config): boolean {
  const name = signedOutCookieName(config);
  if (readCookie(req, name) !== '1') return false;
  res.clearCookie(name, { httpOnly: true, secure: config.session.secure, sameSite: 'lax', path: '/' });
  return true;
}

import { BadRequestError, ErrorCode } from '../errors.js';

/** The `prompt` values Entra accepts; it takes exactly one. */
export const PROMPTS = ['login', 'none', 'consent', 'select_account'] as const;
export type Prompt = (typeof PROMPTS)[number];

export interface LoginOptions {
  readonly prompt?: Prompt;
  readonly login_hint?: string;
  readonly domain_hint?: string;
}

// A UPN or email as users type it; the hint is only advice to Entra's picker, so shape matters, not truth.
const LOGIN_HINT = /^[^\s\u0000-\u001f\u007f<>"'`\\]{1,256}$/;
// A verified domain, or Entra's two special values.
const DOMAIN_HINT = /^(?:consumers|organizations|(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})$/i;

/**
 * Reads the sign-in options a link may pass through to Entra. Each is a single value; anything else is a
 * 400 naming the parameter, rather than silently dropped (a support link that does nothing is hard to debug).
 */
export function parseLoginOptions(get: (name: string) => string[]): LoginOptions {
  const one = (name: string): string | undefined => {
    const values = get(name);
    if (values.length === 0) return undefined;
    if (values.length > 1) throw new BadRequestError(ErrorCode.repeatedLoginOption, `Give ${name} only once.`, { details: { name } });
    return values[0];
  };
  const prompt = one('prompt');
  if (prompt !== undefined && !(PROMPTS as readonly string[]).includes(prompt)) {
    throw new BadRequestError(ErrorCode.invalidPrompt, `prompt must be one of ${PROMPTS.join(', ')}.`);
  }
  const loginHint = one('login_hint');
  if (loginHint !== undefined && !LOGIN_HINT.test(loginHint)) {
    throw new BadRequestError(ErrorCode.invalidLoginHint, 'login_hint must be a user name such as b.simon@contoso.com.');
  }
  const domainHint = one('domain_hint');
  if (domainHint !== undefined && !DOMAIN_HINT.test(domainHint)) {
    throw new BadRequestError(ErrorCode.invalidDomainHint, 'domain_hint must be a domain such as contoso.com, or organizations or consumers.');
  }
  return {
    ...(prompt ? { prompt: prompt as Prompt } : {}),
    ...(loginHint ? { login_hint: loginHint } : {}),
    ...(domainHint ? { domain_hint: domainHint.toLowerCase() } : {}),
  };
}

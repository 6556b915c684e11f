import helmet from 'helmet';
import type { Config } from '../config.js';
import { brandingImageOrigins, type Branding } from './branding.js';

/**
 * Helmet with a strict CSP: no inline script or style, everything from our own origin.
 * `form-action` must allow the authority: Chrome applies it to the redirect that follows the sign-out
 * POST, which goes to Entra's end_session endpoint. `img-src` adds exactly one origin, the customer
 * logo's (ORG_LOGO_URL) when it lives on another site, and nothing else.
 */
export function securityHeaders(config: Config, branding?: Branding) {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:', ...brandingImageOrigins(branding)],
        'font-src': ["'self'"],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'none'"],
        'form-action': ["'self'", config.entra.authorityHost],
        'frame-ancestors': ["'none'"],
        // Only over https: on http://localhost it would break every asset.
        ...(config.session.secure ? { 'upgrade-insecure-requests': [] } : {}),
      },
    },
    strictTransportSecurity: config.session.secure ? { maxAge: 31536000, includeSubDomains: true } : false,
    // `same-origin`, not `no-referrer`: under no-referrer Chrome sends `Origin: null` on our own form POSTs,
    // and the sign-out's Origin check then refuses every real browser. Other origins still get no Referer.
    referrerPolicy: { policy: 'same-origin' },
    xFrameOptions: { action: 'deny' },
    crossOriginEmbedderPolicy: false,
  });
}

/**
 * The customer organisation on the sign-in pages: its name and logo on the sign-in card, and where its
 * people find help and the privacy notice (footer links). All optional; pages read well without them.
 * URLs are the organisation's own pages (https, or a path on this site), never taken from a request.
 */
export interface Branding {
  readonly orgName?: string;
  /** An https URL or a path on this site; the CSP allows images from 'self' only unless widened. */
  readonly logoUrl?: string;
  readonly helpUrl?: string;
  readonly privacyUrl?: string;
}

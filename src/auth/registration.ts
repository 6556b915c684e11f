/**
 * The values an admin registers in Entra for this deployment, in one place: the configuration derives its
 * redirect URIs from here, the doctor prints them filled in (`npm run doctor`), and the README's set-up steps
 * are generated from them (`npm run docs`, checked by a test), so the three never disagree.
 */
import { PATHS } from '../http/paths.js';

export type RegistrationKey = 'redirectUri' | 'postLogoutRedirectUri' | 'frontchannelLogoutUri' | 'adminConsentRedirectUri';

export interface RegistrationEntry {
  readonly key: RegistrationKey;
  /** Appended to BASE_URL. */
  readonly path: string;
  /** Where it goes in App registrations > iLOGON_MHA > Authentication. */
  readonly field: string;
  /** Why it is needed. */
  readonly why: string;
  /** Only with ENTRA_TENANT_ID=organizations or common. */
  readonly multiTenantOnly?: boolean;
}

export const ENTRA_REGISTRATION: readonly RegistrationEntry[] = [
  { key: 'redirectUri', path: PATHS.callback, field: 'Web > Redirect URIs', why: 'Entra sends the signed-in user back here' },
  {
    key: 'postLogoutRedirectUri',
    path: PATHS.home,
    field: 'Web > Redirect URIs',
    why: 'Entra returns here after sign-out; it must be a registered redirect URI too, or Entra stops on its own "signed out" page',
  },
  { key: 'frontchannelLogoutUri', path: PATHS.frontchannelLogout, field: 'Front-channel logout URL', why: 'Entra loads it when the user signs out of Microsoft elsewhere' },
  {
    key: 'adminConsentRedirectUri',
    path: PATHS.adminConsentCallback,
    field: 'Web > Redirect URIs',
    why: "a customer's admin returns here after granting consent",
    multiTenantOnly: true,
  },
];

/** The address of one entry for an origin (BASE_URL, no trailing slash), or `BASE_URL…` as a recipe. */
export function registrationValue(baseUrl: string, key: RegistrationKey): string {
  return `${baseUrl}${ENTRA_REGISTRATION.find((e) => e.key === key)!.path}`;
}

/** The entries that apply to this deployment, with their values. */
export function entraRegistration(baseUrl: string, multiTenant: boolean): Array<RegistrationEntry & { readonly value: string }> {
  return ENTRA_REGISTRATION.filter((e) => multiTenant || !e.multiTenantOnly).map((e) => ({ ...e, value: `${baseUrl}${e.path}` }));
}

import type { IdentityHeaderSet } from '../config.js';
import type { SessionUser } from '../auth/session-user.js';
import { groupsOverageEndpoint, headerBytes, identityHeaders } from './identity-headers.js';
import type { IdentitySigner, RequestBinding } from './identity-token.js';

/**
 * Most our identity headers may weigh together (`Name: value\r\n` each, X-MHA-Identity included). nginx reads
 * an auth_request answer into one `proxy_buffer_size` buffer (4 KB by default on x86: a 500 for the user when
 * it overflows) and many backends refuse a request whose headers pass 8 KB (431). Each group costs about 170
 * bytes over three headers, so Entra's 200 groups would need 37 KB.
 */
export const IDENTITY_HEADERS_MAX_BYTES = 4096;

export interface IdentityDeps {
  readonly sets: readonly IdentityHeaderSet[];
  readonly signer: IdentitySigner | undefined;
  /** Microsoft Graph's origin (ENTRA_CLOUD / ENTRA_GRAPH_HOST): named in the overage marker. */
  readonly graphHost: string;
  readonly maxBytes?: number;
}

/** The identity headers for one request: what the backend (or the proxy asking /auth/check) receives. */
export type IdentityFor = (user: SessionUser, binding: RequestBinding) => Promise<Record<string, string>>;

/**
 * The identity headers, groups included when they fit and the overage otherwise. All or nothing, as Entra
 * does: a cut list would read as "not a member" to a backend that checks a group; the overage says "ask
 * Graph" in every header at once (X-MHA-Groups-Overage, the principal's and the token's `_claim_names`).
 */
export function createIdentity(deps: IdentityDeps): IdentityFor {
  const { sets, signer, graphHost } = deps;
  const maxBytes = deps.maxBytes ?? IDENTITY_HEADERS_MAX_BYTES;

  async function sign(headers: Record<string, string>, user: SessionUser, binding: RequestBinding, overage: string | undefined) {
    if (signer) headers['x-mha-identity'] = await signer.sign(user, binding, overage);
    return headers;
  }

  return async function identityFor(user, binding) {
    if (user.groups.length > 0) {
      const listed = identityHeaders(user, sets);
      // Already too big before the token: no need to sign one only to throw it away.
      if (headerBytes(listed) <= maxBytes && headerBytes(await sign(listed, user, binding, undefined)) <= maxBytes) return listed;
    }
    // Without groups the size is bounded by what Entra bounds (names, the app's own roles).
    const overage = user.groups.length > 0 ? groupsOverageEndpoint(graphHost, user.oid) : undefined;
    return sign(identityHeaders(user, sets, overage), user, binding, overage);
  };
}

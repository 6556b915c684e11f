import type { IDToken } from 'openid-client';
import { SignInError, SignInReason } from '../errors.js';

/** At most this many group ids are kept (Graph pages of 999; 5 pages is far past any sane overage). */
const MAX_GROUPS = 5000;
const MAX_PAGES = 10;

/**
 * The groups overage: with more than 200 groups (6 for SAML/implicit) Entra leaves `groups` out of the
 * id_token and says so with `_claim_names.groups` (or `hasgroups`). That is not "no groups": the app must
 * ask Microsoft Graph. Missing this reads a member of 300 groups as a member of none.
 */
export function hasGroupsOverage(claims: IDToken): boolean {
  const names = claims['_claim_names'];
  return claims['hasgroups'] === true || claims['hasgroups'] === 'true' || (typeof names === 'object' && names !== null && 'groups' in names);
}

/**
 * The user's group ids, direct and nested, from `GET {graph}/v1.0/me/transitiveMemberOf` with the
 * delegated access token of the sign-in (User.Read is enough for ids; GroupMember.Read.All also gives names).
 * Follows `@odata.nextLink` only on the Graph host. Any failure throws: the caller fails closed.
 */
export async function fetchTransitiveGroupIds(options: { graphHost: string; accessToken: string; timeoutMs: number }): Promise<string[]> {
  const ids: string[] = [];
  let next: string | undefined = `${options.graphHost}/v1.0/me/transitiveMemberOf/microsoft.graph.group?$select=id&$top=999`;
  for (let page = 0; next && page < MAX_PAGES; page++) {
    const url = new URL(next);
    if (url.origin !== options.graphHost) throw unavailable(`Graph paged to another host (${url.origin})`);
    let res: Response;
    try {
      res = await fetch(url, { headers: { authorization: `Bearer ${options.accessToken}`, accept: 'application/json' }, signal: AbortSignal.timeout(options.timeoutMs) });
    } catch (err) {
      throw unavailable(err instanceof Error ? err.message : String(err), err);
    }
    if (!res.ok) throw unavailable(`Graph answered ${res.status}`);
    const body = (await res.json().catch(() => undefined)) as { value?: unknown; '@odata.nextLink'?: unknown } | undefined;
    if (!body || !Array.isArray(body.value)) throw unavailable('Graph sent no value list');
    for (const item of body.value) {
      const id = (item as { id?: unknown }).id;
      if (typeof id === 'string' && id.length <= 64) ids.push(id.toLowerCase());
    }
    next = typeof body['@odata.nextLink'] === 'string' ? body['@odata.nextLink'] : undefined;
  }
  if (next) throw unavailable('too many groups');
  return [...new Set(ids)].slice(0, MAX_GROUPS);
}

function unavailable(reason: string, cause?: unknown): SignInError {
  return new SignInError(SignInReason.groupsUnavailable, 503, 'Your group memberships could not be read from Microsoft Graph, so access cannot be decided. Please try again in a moment.', {
    cause: cause ?? new Error(reason),
  });
}

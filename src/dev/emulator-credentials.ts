/**
 * How the emulator checks an app's credentials the way Entra does, beyond what oidc-provider knows:
 *
 * - several client secrets per app at once (Entra allows that, and zero-downtime rotation depends on it:
 *   add the new secret, move the app to it, then delete the old one). `clientSecrets` is live: tests add
 *   and delete secrets while the emulator runs;
 * - certificates: the app registration holds uploaded certificates, and Entra picks the one that signed a
 *   client assertion by its thumbprint header (`x5t#S256`, or the older SHA-1 `x5t`). A thumbprint that is
 *   not registered, or a signature by another key, is AADSTS700027;
 * - on organizations/common, the assertion's `aud` is that alias's token endpoint
 *   (`{host}/organizations/oauth2/v2.0/token`, what discovery there names), which Entra accepts.
 */
import { createHash, timingSafeEqual, X509Certificate, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { compactVerify } from 'jose';
import Provider, { errors } from 'oidc-provider';

export interface UploadedCertificate {
  readonly publicKey: KeyObject;
  /** base64url SHA-256 and SHA-1 of the DER: what Entra shows as the thumbprint and matches by. */
  readonly x5tS256: string;
  readonly x5t: string;
}

/** A PEM certificate as uploaded under Certificates & secrets > Certificates. */
export function uploadedCertificate(pem: string): UploadedCertificate {
  const cert = new X509Certificate(pem);
  return {
    publicKey: cert.publicKey,
    x5tS256: createHash('sha256').update(cert.raw).digest('base64url'),
    x5t: createHash('sha1').update(cert.raw).digest('base64url'),
  };
}

/** The public key of an uploaded certificate, as a JWK oidc-provider can hold in the client's jwks. */
export function certificateJwk(certificate: UploadedCertificate): Record<string, unknown> {
  return certificate.publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
}

const ALIAS = Symbol('emulatorAlias');
type Marked = IncomingMessage & { [ALIAS]?: string };

/** Called by the organizations/common rewrite: this request came through that alias. */
export function markAlias(req: IncomingMessage, alias: string): void {
  (req as Marked)[ALIAS] = alias;
}

/**
 * The `assertJwtClientAuthClaimsAndHeader` hook of oidc-provider's configuration: runs after it verified
 * the assertion against the client's jwks. A header naming a certificate must name one uploaded for this
 * app, and that certificate's key must have made the signature. A header without a thumbprint is a
 * federated token (workload identity): its signature check alone stands, as before.
 */
export function certificateThumbprintCheck(certificates: ReadonlyMap<string, readonly UploadedCertificate[]>) {
  return async function assertCertificateThumbprint(
    ctx: { oidc: { params?: Record<string, unknown> } },
    _claims: unknown,
    header: Record<string, unknown>,
    client: { clientId: string },
  ): Promise<void> {
    const sha256 = header['x5t#S256'];
    const sha1 = header['x5t'];
    if (sha256 === undefined && sha1 === undefined) return;
    const uploaded = certificates.get(client.clientId) ?? [];
    const named = uploaded.find((c) => (sha256 !== undefined ? c.x5tS256 === sha256 : c.x5t === sha1));
    const assertion = String(ctx.oidc.params?.['client_assertion'] ?? '');
    let signedByIt = false;
    if (named) {
      try {
        await compactVerify(assertion, named.publicKey, { algorithms: ['PS256', 'RS256'] });
        signedByIt = true;
      } catch {
        signedByIt = false;
      }
    }
    if (!signedByIt) {
      // The token endpoint answers it as AADSTS700027 (emulator-faults.ts).
      throw new errors.InvalidClientAuth('the certificate named by x5t#S256 is not registered for the client, or did not sign the assertion');
    }
  };
}

/**
 * Patches the provider: secrets compared against the live list of each client, and the alias token
 * endpoint accepted as the assertion audience.
 */
export function installCredentialChecks(provider: Provider, authorityHost: string, clientSecrets: ReadonlyMap<string, ReadonlySet<string>>): void {
  const clientProto = provider.Client.prototype as unknown as { clientId: string; compareClientSecret(actual: unknown): Promise<boolean> };
  clientProto.compareClientSecret = async function compareWithEverySecret(this: { clientId: string }, actual: unknown) {
    if (typeof actual !== 'string') return false;
    const given = Buffer.from(actual);
    let match = false;
    // Every secret is compared (no early exit), each in constant time.
    for (const secret of clientSecrets.get(this.clientId) ?? []) {
      const known = Buffer.from(secret);
      if (known.length === given.length && timingSafeEqual(known, given)) match = true;
    }
    return match;
  };

  const contextProto = provider.OIDCContext.prototype as unknown as { ctx: { req: IncomingMessage }; clientJwtAuthExpectedAudience(): Set<string> };
  const expected = contextProto.clientJwtAuthExpectedAudience;
  contextProto.clientJwtAuthExpectedAudience = function withAliasTokenEndpoint(this: typeof contextProto) {
    const audiences = expected.call(this);
    const alias = (this.ctx.req as Marked)[ALIAS];
    if (alias) audiences.add(`${authorityHost}/${alias}/oauth2/v2.0/token`);
    return audiences;
  };
}

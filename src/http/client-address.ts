import { isIPv4, isIPv6 } from 'node:net';
import type { Request } from 'express';

/** The client a request counts for: `req.ip` (which honours TRUST_PROXY's hop count), keyed by `clientKey`. */
export function clientOf(req: Request, ipv6PrefixBits: number): string {
  return clientKey(req.ip ?? req.socket.remoteAddress, ipv6PrefixBits);
}

/**
 * The key one client's sign-in attempts are counted under: its address, with IPv6 cut to a prefix. A single
 * IPv6 subscriber or server is routinely given a whole /64 (2^64 addresses), so counting full addresses
 * would let one client rotate through its own block and never meet a limit. IPv4-mapped IPv6 addresses
 * (`::ffff:192.0.2.1`, what a dual-stack socket reports for an IPv4 client) count as the IPv4 address.
 * Anything else (no address, a non-IP value) is used as it is.
 */
export function clientKey(address: string | undefined, ipv6PrefixBits: number): string {
  if (!address) return 'unknown';
  if (isIPv4(address)) return address;
  const groups = ipv6Groups(address);
  // Not an address (a proxy that forwards something else): bounded, as it becomes a store key.
  if (!groups) return address.slice(0, 64);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.${groups[7]! & 0xff}`;
  }
  const masked = groups.map((group, i) => {
    const keep = Math.min(16, Math.max(0, ipv6PrefixBits - i * 16));
    return keep === 0 ? 0 : group & ((0xffff << (16 - keep)) & 0xffff);
  });
  return `${masked.map((g) => g.toString(16)).join(':')}/${ipv6PrefixBits}`;
}

/** The eight 16-bit groups of an IPv6 address (zone dropped, `::` expanded, a dotted IPv4 tail converted). */
function ipv6Groups(address: string): number[] | undefined {
  const zone = address.indexOf('%');
  let text = zone === -1 ? address : address.slice(0, zone);
  if (!isIPv6(text)) return undefined;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const [a = 0, b = 0, c = 0, d = 0] = tail.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const fill = rest === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  const groups = [...left, ...fill, ...right].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

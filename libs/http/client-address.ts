import { isIPv4, isIPv6 } from 'node:net';

/**
 * The unit a client address is counted as, for sign-in throttling and for the per-address rate limits. IPv4: the address itself. IPv6: its
 * /64 network, because one subscriber typically holds a whole /64 and can pick any of its 2^64 addresses;
 * counting full IPv6 addresses would give an attacker a fresh counter per request. IPv4-mapped IPv6
 * addresses (::ffff:192.0.2.1, what a dual-stack socket reports) count as the IPv4 address they carry.
 * Anything else (an unparsable address) is counted as given.
 */
export function throttleAddressGroup(address: string): string {
  const trimmed = address.trim().toLowerCase();
  const withoutZone = trimmed.split('%')[0]!;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(withoutZone);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  if (isIPv4(withoutZone)) return withoutZone;
  if (!isIPv6(withoutZone)) return trimmed;
  const hextets = expandIPv6(withoutZone);
  return `${hextets.slice(0, 4).join(':')}::/64`;
}

/**
 * The wider network an address is also counted in: for IPv6 its /48 (what one site or customer commonly
 * gets: 65,536 /64s, each of which would otherwise be a fresh per-address bucket), undefined for IPv4 and
 * anything unparsable (those are counted by the address alone).
 */
export function throttleWideAddressGroup(address: string): string | undefined {
  const group = throttleAddressGroup(address);
  if (!group.endsWith('::/64')) return undefined;
  return `${group.split(':').slice(0, 3).join(':')}::/48`;
}

/** The eight 16-bit groups of a valid IPv6 address, without leading zeros ("0" for empty groups). */
function expandIPv6(address: string): string[] {
  let text = address;
  // An embedded IPv4 tail (::ffff:1.2.3.4 style, or 64:ff9b::1.2.3.4) becomes two hextets.
  const ipv4Tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (ipv4Tail) {
    const [a, b, c, d] = ipv4Tail.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, ipv4Tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') as [string, string] : [text, undefined];
  const headParts = head === '' ? [] : head.split(':');
  const tailParts = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : new Array<string>(8 - headParts.length - tailParts.length).fill('0');
  return [...headParts, ...zeros, ...tailParts].map((part) => parseInt(part, 16).toString(16));
}

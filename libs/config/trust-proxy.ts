import { isIP } from 'node:net';

/** What Express's `trust proxy` setting accepts: trust all / none, a hop count, or addresses and subnets. */
export type TrustProxySetting = boolean | number | string[];

const NAMED_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * Parses TRUST_PROXY into the value Express expects. `true`/`false` are booleans, a whole number is a
 * hop count, anything else is a comma-separated list of addresses, subnets (`10.0.0.0/8`,
 * `fd00::/8`, `10.0.0.0/255.0.0.0`) and the names loopback, linklocal, uniquelocal. Returns an error
 * message instead of a value when the text is none of these: Express would otherwise take `1` for an
 * address or fail the start on `true`.
 */
export function parseTrustProxy(raw: string): { value: TrustProxySetting } | { error: string } {
  const text = raw.trim();
  const lower = text.toLowerCase();
  if (lower === 'true') return { value: true };
  if (lower === 'false') return { value: false };
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (!Number.isSafeInteger(hops)) return { error: `TRUST_PROXY hop count is too large (got "${raw}")` };
    return { value: hops };
  }
  const entries = text.split(',').map((entry) => entry.trim());
  const bad = entries.filter((entry) => !isTrustEntry(entry));
  if (entries.length === 0 || bad.length > 0) {
    return {
      error:
        `TRUST_PROXY must be true, false, a hop count, or a comma-separated list of addresses, subnets and ` +
        `${NAMED_RANGES.join('/')} (not understood: ${bad.map((b) => `"${b}"`).join(', ') || '""'})`,
    };
  }
  return { value: entries.map((entry) => (NAMED_RANGES.includes(entry.toLowerCase()) ? entry.toLowerCase() : entry)) };
}

function isTrustEntry(entry: string): boolean {
  if (entry === '') return false;
  if (NAMED_RANGES.includes(entry.toLowerCase())) return true;
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return false;
  if (slash === -1) return true;
  const range = entry.slice(slash + 1);
  if (/^\d{1,3}$/.test(range)) return Number(range) <= (version === 4 ? 32 : 128);
  // A dotted netmask (IPv4 only), as proxy-addr accepts it.
  return version === 4 && isIP(range) === 4;
}

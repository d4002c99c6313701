// Pure IPv4 / IPv6 CIDR arithmetic: parsing, containment, and whether a set of CIDRs covers a block (union coverage).

export type AddressFamily = 'ipv4' | 'ipv6';

export interface Cidr {
  family: AddressFamily;
  /** The network address (host bits cleared), as an unsigned integer. */
  network: bigint;
  prefixLength: number;
  /** The text it was parsed from, for messages. */
  text: string;
}

const BITS: Record<AddressFamily, number> = { ipv4: 32, ipv6: 128 };

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  // Whole octets in a Number (at most 2^32 - 1, exact), one BigInt at the end: the same value without a BigInt shift per octet.
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return BigInt(value);
}

function parseIpv6(text: string): bigint | undefined {
  let address = text;
  // An embedded IPv4 tail (::ffff:10.0.0.1) stands for the last two groups.
  const tail = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
  if (tail) {
    const v4 = parseIpv4(tail[2] ?? '');
    if (v4 === undefined) return undefined;
    address = `${tail[1] ?? ''}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string | undefined): string[] => (part ? part.split(':') : []);
  const head = groupsOf(halves[0]);
  const rest = groupsOf(halves[1]);
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = halves.length === 1 ? head : [...head, ...Array<string>(missing).fill('0'), ...rest];
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  return value;
}

/**
 * Parsed CIDRs by the text given, per container: the same ranges (a VPC's subnets, its rules) are parsed many times per
 * decision and again at every decision. The values are frozen (nothing changes a Cidr; a spread copies it), and the
 * cache is emptied when it reaches its bound, so texts from outside cannot grow it without limit.
 */
const PARSED = new Map<string, Cidr | undefined>();
const MAX_PARSED = 4096;

/** How many texts the parse cache holds now (never more than its bound, 4096): for the test of that bound. */
export function parsedCidrCount(): number {
  return PARSED.size;
}

/** Parses "10.0.1.0/24" or "2600:1f18::/56"; a bare address is a /32 or /128. Host bits are cleared, as EC2 does. */
export function parseCidr(text: string): Cidr | undefined {
  if (PARSED.has(text)) return PARSED.get(text);
  const cidr = parseCidrText(text);
  if (PARSED.size >= MAX_PARSED) PARSED.clear();
  PARSED.set(text, cidr === undefined ? undefined : Object.freeze(cidr));
  return PARSED.get(text);
}

function parseCidrText(text: string): Cidr | undefined {
  const trimmed = text.trim();
  const [address = '', prefix, extra] = trimmed.split('/');
  if (extra !== undefined) return undefined;
  const family: AddressFamily = address.includes(':') ? 'ipv6' : 'ipv4';
  const value = family === 'ipv6' ? parseIpv6(address) : parseIpv4(address);
  if (value === undefined) return undefined;
  const bits = BITS[family];
  const prefixLength = prefix === undefined ? bits : /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
  if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > bits) return undefined;
  return { family, network: value & mask(family, prefixLength), prefixLength, text: trimmed };
}

/** Every prefix length's mask, per family, built once: containment asks for one at every comparison. */
const MASKS: Record<AddressFamily, readonly bigint[]> = {
  ipv4: Array.from({ length: BITS.ipv4 + 1 }, (_, prefixLength) => maskOf('ipv4', prefixLength)),
  ipv6: Array.from({ length: BITS.ipv6 + 1 }, (_, prefixLength) => maskOf('ipv6', prefixLength)),
};

function maskOf(family: AddressFamily, prefixLength: number): bigint {
  const bits = BigInt(BITS[family]);
  const all = (1n << bits) - 1n;
  return prefixLength === 0 ? 0n : (all << (bits - BigInt(prefixLength))) & all;
}

/** The mask of a prefix length (0 to the family's bits; the parser admits no other). */
export function mask(family: AddressFamily, prefixLength: number): bigint {
  return MASKS[family][prefixLength] ?? maskOf(family, prefixLength);
}

/** True when every address of `inner` is in `outer`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return (
    outer.family === inner.family &&
    outer.prefixLength <= inner.prefixLength &&
    (inner.network & mask(outer.family, outer.prefixLength)) === outer.network
  );
}

/** True when the two blocks share an address (for CIDR blocks: one contains the other). */
export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}

/**
 * True when the union of `cover` holds every address of `block`: contained in one of them, or each half of the
 * block covered in turn (two /25 rules together allow a /24 subnet). Recursion only splits while some cover
 * lies strictly inside the block, so it ends at the longest prefix in `cover`.
 */
export function cidrCoveredBy(block: Cidr, cover: readonly Cidr[]): boolean {
  const relevant = cover.filter((c) => c.family === block.family && cidrOverlaps(c, block));
  if (relevant.some((c) => cidrContains(c, block))) return true;
  if (relevant.length === 0 || block.prefixLength >= BITS[block.family]) return false;
  const halfLength = block.prefixLength + 1;
  const upperBit = 1n << BigInt(BITS[block.family] - halfLength);
  const lower: Cidr = { ...block, prefixLength: halfLength, text: `${block.text} (lower half)` };
  const upper: Cidr = { ...block, network: block.network | upperBit, prefixLength: halfLength, text: `${block.text} (upper half)` };
  return cidrCoveredBy(lower, relevant) && cidrCoveredBy(upper, relevant);
}

/** 0.0.0.0/0 or ::/0: every address of its family. */
export function isWholeFamily(cidr: Cidr): boolean {
  return cidr.prefixLength === 0;
}

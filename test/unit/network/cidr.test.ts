// Table-driven tests of the CIDR arithmetic behind security-group reachability.
import { cidrContains, cidrCoveredBy, mask, parseCidr, type Cidr } from '../../../shared/network/cidr';

function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed) throw new Error(`test CIDR ${text} does not parse`);
  return parsed;
}

describe('parseCidr', () => {
  it.each([
    ['10.0.1.0/24', 'ipv4', 24],
    ['0.0.0.0/0', 'ipv4', 0],
    ['10.0.1.17', 'ipv4', 32],
    ['2600:1f18:abcd:1200::/56', 'ipv6', 56],
    ['::/0', 'ipv6', 0],
    ['::ffff:10.0.0.1/128', 'ipv6', 128],
    ['fe80::1', 'ipv6', 128],
  ])('reads %s as %s /%i', (text, family, prefixLength) => {
    expect(parseCidr(text)).toMatchObject({ family, prefixLength });
  });

  it.each(['10.0.1.256/24', '10.0.1.0/33', '10.0.1/24', '2600::1::/64', '2600:1f18::/129', 'sg-0123', '', '10.0.0.0/16/1', 'gggg::/16'])(
    'rejects %s',
    (text) => {
      expect(parseCidr(text)).toBeUndefined();
    },
  );

  it('clears host bits as EC2 does: 10.0.1.7/16 is 10.0.0.0/16', () => {
    expect(cidrContains(cidr('10.0.1.7/16'), cidr('10.0.200.0/24'))).toBe(true);
  });
});

describe('cidrContains', () => {
  it.each([
    ['10.0.0.0/16', '10.0.1.0/24', true],
    ['10.0.1.0/24', '10.0.0.0/16', false],
    ['10.0.1.0/24', '10.0.1.0/24', true],
    ['10.0.1.0/24', '10.0.2.0/24', false],
    ['0.0.0.0/0', '192.168.7.0/24', true],
    ['::/0', '10.0.1.0/24', false],
    ['2600:1f18:abcd:1200::/56', '2600:1f18:abcd:1201::/64', true],
    ['2600:1f18:abcd:1200::/56', '2600:1f18:abcd:1300::/64', false],
  ])('%s contains %s: %s', (outer, inner, expected) => {
    expect(cidrContains(cidr(outer), cidr(inner))).toBe(expected);
  });
});

describe('cidrCoveredBy (union coverage)', () => {
  it.each([
    ['one rule holding the subnet', '10.0.1.0/24', ['10.0.0.0/16'], true],
    ['two /25 rules together', '10.0.1.0/24', ['10.0.1.0/25', '10.0.1.128/25'], true],
    ['one /25 rule: half the subnet', '10.0.1.0/24', ['10.0.1.0/25'], false],
    ['four /26 rules in any order', '10.0.1.0/24', ['10.0.1.192/26', '10.0.1.0/26', '10.0.1.128/26', '10.0.1.64/26'], true],
    ['a gap of one address', '10.0.1.0/30', ['10.0.1.0/31', '10.0.1.2/32'], false],
    ['an unrelated rule', '10.0.1.0/24', ['192.168.0.0/16'], false],
    ['no rules', '10.0.1.0/24', [], false],
    ['IPv6 halves', '2600:1f18:abcd:1201::/64', ['2600:1f18:abcd:1201::/65', '2600:1f18:abcd:1201:8000::/65'], true],
    ['an IPv4 rule never covers IPv6', '2600:1f18:abcd:1201::/64', ['0.0.0.0/0'], false],
  ])('%s: %s covered by %j is %s', (_case, block, cover, expected) => {
    expect(cidrCoveredBy(cidr(block), cover.map(cidr))).toBe(expected);
  });
});

// Decision 112: parseCidr keeps what it parsed per container (frozen), and the masks are a table built once. What must not
// change is the value: each case below is computed here, from the text, without the module's arithmetic.
describe('parseCidr and mask: the same values from the cache and the table (decision 112)', () => {
  /** A seeded generator (mulberry32), so the cases are the same on every run. */
  function random(seed: number): () => number {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  /** The network address of an IPv4 CIDR, bit by bit from its text. */
  function expectedIpv4Network(address: string, prefixLength: number): bigint {
    const bits = address
      .split('.')
      .map((octet) => Number(octet).toString(2).padStart(8, '0'))
      .join('');
    return BigInt(`0b${bits.slice(0, prefixLength).padEnd(32, '0')}`);
  }

  it('every prefix length of both families has the mask of that many leading ones', () => {
    for (const [family, bits] of [['ipv4', 32], ['ipv6', 128]] as const) {
      for (let prefixLength = 0; prefixLength <= bits; prefixLength += 1) {
        const expected = BigInt(`0b0${'1'.repeat(prefixLength)}${'0'.repeat(bits - prefixLength)}`);
        expect(mask(family, prefixLength)).toBe(expected);
      }
    }
  });

  it('2000 generated IPv4 CIDRs parse to the network their text gives, the same the second time, frozen', () => {
    const next = random(108);
    const prefixes = new Set<number>();
    let withHostBits = 0;
    for (let i = 0; i < 2000; i += 1) {
      const octets = Array.from({ length: 4 }, () => Math.floor(next() * 256));
      const prefixLength = Math.floor(next() * 33);
      prefixes.add(prefixLength);
      const address = octets.join('.');
      const text = `${address}/${prefixLength}`;
      const network = expectedIpv4Network(address, prefixLength);
      if (network !== expectedIpv4Network(address, 32)) withHostBits += 1;
      const first = parseCidr(text);
      expect(first).toEqual({ family: 'ipv4', network, prefixLength, text });
      expect(parseCidr(text)).toEqual(first);
      expect(Object.isFrozen(first)).toBe(true);
    }
    // The spread generated: every prefix length from 0 to 32, and most addresses with host bits to clear.
    expect(prefixes.size).toBe(33);
    expect(withHostBits).toBe(1888);
  });

  it('past the cache bound (4096 texts) every text still parses to its own value, and bad text stays undefined', () => {
    for (let i = 0; i < 5000; i += 1) {
      const address = `10.${(i >> 8) & 255}.${i & 255}.0`;
      expect(parseCidr(`${address}/24`)).toEqual({ family: 'ipv4', network: expectedIpv4Network(address, 24), prefixLength: 24, text: `${address}/24` });
    }
    expect(parseCidr('10.0.1.256/24')).toBeUndefined();
    expect(parseCidr('10.0.1.256/24')).toBeUndefined();
    expect(parseCidr(' 10.0.1.7/16 ')).toEqual({ family: 'ipv4', network: expectedIpv4Network('10.0.0.0', 16), prefixLength: 16, text: '10.0.1.7/16' });
  });

  it('the parse cache holds at most 4096 texts: 5000 distinct texts from a fresh container leave exactly 904 (emptied once, at the 4097th)', () => {
    jest.isolateModules(() => {
      // A fresh module, as a new container has: the cache is empty, whatever other tests here parsed.
      const fresh = jest.requireActual<typeof import('../../../shared/network/cidr')>('../../../shared/network/cidr');
      expect(fresh.parsedCidrCount()).toBe(0);
      let largest = 0;
      for (let i = 0; i < 5000; i += 1) {
        fresh.parseCidr(`10.${(i >> 8) & 255}.${i & 255}.0/24`);
        largest = Math.max(largest, fresh.parsedCidrCount());
      }
      expect(largest).toBe(4096);
      // 4096 texts fill it; the 4097th empties it and is kept; 903 more follow.
      expect(fresh.parsedCidrCount()).toBe(5000 - 4096);
      // A text seen again is served from the cache and does not grow it; bad text is cached as undefined.
      fresh.parseCidr('10.19.135.0/24');
      expect(fresh.parsedCidrCount()).toBe(904);
      expect(fresh.parseCidr('10.0.1.256/24')).toBeUndefined();
      expect(fresh.parsedCidrCount()).toBe(905);
    });
  });
});

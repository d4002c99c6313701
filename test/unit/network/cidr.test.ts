// Table-driven tests of the CIDR arithmetic behind security-group reachability.
import { cidrContains, cidrCoveredBy, parseCidr, type Cidr } from '../../../shared/network/cidr';

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

/**
 * Which network addresses Herald refuses to fetch media from. A URL given by a user must not become a
 * way to reach the network Herald runs in (cloud metadata at 169.254.169.254, the database, an
 * admin panel on localhost), so everything that is not a public unicast address is refused.
 */
import { BlockList, isIP } from 'node:net';

const ipv4Ranges: [string, number, string][] = [
  ['0.0.0.0', 8, 'an unspecified'],
  ['10.0.0.0', 8, 'a private'],
  ['100.64.0.0', 10, 'a carrier-grade NAT'],
  ['127.0.0.0', 8, 'a loopback'],
  ['169.254.0.0', 16, 'a link-local'],
  ['172.16.0.0', 12, 'a private'],
  ['192.0.0.0', 24, 'a reserved'],
  ['192.0.2.0', 24, 'a documentation'],
  ['192.168.0.0', 16, 'a private'],
  ['198.18.0.0', 15, 'a reserved'],
  ['198.51.100.0', 24, 'a documentation'],
  ['203.0.113.0', 24, 'a documentation'],
  ['224.0.0.0', 4, 'a multicast'],
  ['240.0.0.0', 4, 'a reserved'],
];

const ipv6Ranges: [string, number, string][] = [
  ['::', 128, 'an unspecified'],
  ['::1', 128, 'a loopback'],
  // IPv4-compatible addresses (deprecated) embed an IPv4 address in the low bits.
  ['::', 96, 'a reserved'],
  ['100::', 64, 'a reserved'],
  ['2001:db8::', 32, 'a documentation'],
  ['fc00::', 7, 'a private (unique-local)'],
  ['fe80::', 10, 'a link-local'],
  ['fec0::', 10, 'a private (site-local)'],
  ['ff00::', 8, 'a multicast'],
];

const hex16 = (a: number, b: number) => ((a << 8) | b).toString(16);

/**
 * Each refused IPv4 range also as it appears inside NAT64 (64:ff9b::/96) and 6to4 (2002::/16)
 * addresses, which reach the embedded IPv4 address. IPv4-mapped addresses (::ffff:a.b.c.d) need no
 * entry: BlockList matches them against the IPv4 rules.
 */
function embeddedRanges(): [string, number, string][] {
  return ipv4Ranges.flatMap(([address, prefix, label]) => {
    const [a, b, c, d] = address.split('.').map(Number) as [number, number, number, number];
    return [
      [`64:ff9b::${hex16(a, b)}:${hex16(c, d)}`, 96 + prefix, label],
      [`2002:${hex16(a, b)}:${hex16(c, d)}::`, 16 + prefix, label],
    ] as [string, number, string][];
  });
}

const lists = new Map<string, BlockList>();
for (const [address, prefix, label] of ipv4Ranges) {
  if (!lists.has(label)) lists.set(label, new BlockList());
  lists.get(label)!.addSubnet(address, prefix, 'ipv4');
}
for (const [address, prefix, label] of [...ipv6Ranges, ...embeddedRanges()]) {
  if (!lists.has(label)) lists.set(label, new BlockList());
  lists.get(label)!.addSubnet(address, prefix, 'ipv6');
}

/**
 * Why an address may not be fetched from ("a private", "a loopback", …), or null when it is a public
 * address. Anything that is not an IP address at all is refused too.
 */
export function refusedAddressReason(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return 'an invalid';
  for (const [label, list] of lists) {
    if (list.check(address, family === 4 ? 'ipv4' : 'ipv6')) return label;
  }
  return null;
}

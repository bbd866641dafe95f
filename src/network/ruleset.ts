/**
 * The engine's one nftables table (network-recipe §3): a fixed rule template;
 * every network and every published port is an element of a set or map, so
 * a start or stop is one element change and a rebuild is one atomic file.
 */

export interface BridgeEntry {
  name: string;
  subnet: string;
  internal: boolean;
}

export type Proto = 'tcp' | 'udp' | 'sctp';

export interface PublishEntry {
  /** '0.0.0.0' publishes on every host address (map pub_any), else on that address (pub_ip). */
  hostIp: string;
  proto: Proto;
  hostPort: number;
  ctrIp: string;
  ctrPort: number;
}

export interface TableState {
  bridges: readonly BridgeEntry[];
  published: readonly PublishEntry[];
}

const q = (s: string) => `"${s}"`;

function rules(table: string): string {
  return `table inet ${table} {
	set bridges { type ifname; }
	set internal_bridges { type ifname; }
	set subnets { type ipv4_addr; flags interval; }
	set nat_subnets { type ipv4_addr; flags interval; }
	set same_bridge { type ifname . ifname; }
	map pub_any { type inet_proto . inet_service : ipv4_addr . inet_service; }
	map pub_ip { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }

	chain published {
		dnat ip to ip daddr . meta l4proto . th dport map @pub_ip
		dnat ip to meta l4proto . th dport map @pub_any
	}
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		fib daddr type local jump published
	}
	chain output {
		type nat hook output priority -100; policy accept;
		fib daddr type local jump published
	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr @nat_subnets oifname != @bridges masquerade
		ip saddr 127.0.0.0/8 oifname @bridges masquerade
		ct status dnat ip saddr @subnets oifname @bridges masquerade
	}
	chain forward {
		type filter hook forward priority filter; policy accept;
		iifname @internal_bridges iifname . oifname != @same_bridge drop
		oifname @internal_bridges iifname . oifname != @same_bridge drop
		ct status dnat accept
		iifname @bridges oifname @bridges iifname . oifname != @same_bridge drop
	}
	chain raw_prerouting {
		type filter hook prerouting priority raw; policy accept;
		iifname @bridges ip daddr 127.0.0.0/8 drop
	}
}
`;
}

export function bridgeElements(table: string, b: BridgeEntry, verb: 'add' | 'delete'): string[] {
  const out = [
    `${verb} element inet ${table} bridges { ${q(b.name)} }`,
    `${verb} element inet ${table} subnets { ${b.subnet} }`,
    `${verb} element inet ${table} same_bridge { ${q(b.name)} . ${q(b.name)} }`,
  ];
  if (b.internal) out.push(`${verb} element inet ${table} internal_bridges { ${q(b.name)} }`);
  else out.push(`${verb} element inet ${table} nat_subnets { ${b.subnet} }`);
  return out;
}

function publishKey(p: PublishEntry): string {
  return p.hostIp === '0.0.0.0' ? `${p.proto} . ${p.hostPort}` : `${p.hostIp} . ${p.proto} . ${p.hostPort}`;
}

function publishMap(p: PublishEntry): string {
  return p.hostIp === '0.0.0.0' ? 'pub_any' : 'pub_ip';
}

export function publishElements(table: string, list: readonly PublishEntry[], verb: 'add' | 'delete'): string[] {
  return list.map((p) =>
    verb === 'add'
      ? `add element inet ${table} ${publishMap(p)} { ${publishKey(p)} : ${p.ctrIp} . ${p.ctrPort} }`
      : `delete element inet ${table} ${publishMap(p)} { ${publishKey(p)} }`,
  );
}

/**
 * The whole table as one transaction: create (so the delete never fails),
 * delete, define, fill. Works whether or not the table exists; flows in
 * progress keep their conntrack NAT decisions.
 */
export function fullTable(table: string, state: TableState): string {
  const lines = [`table inet ${table} {}`, `delete table inet ${table}`, rules(table)];
  for (const b of state.bridges) lines.push(...bridgeElements(table, b, 'add'));
  lines.push(...publishElements(table, state.published, 'add'));
  return lines.join('\n') + '\n';
}

export function deleteTable(table: string): string {
  return `table inet ${table} {}\ndelete table inet ${table}\n`;
}

/**
 * Inside a container's netns: Docker's 127.0.0.11 resolver address, DNATed to
 * the embedded server on the gateway, with the source rewritten to the
 * container's own address so the server knows who asks (network-recipe §5.3).
 */
export function containerDnsTable(gateway: string, dnsPort: number, ctrIp: string, ifname: string): string {
  return `table ip ballast-dns {
	chain output {
		type nat hook output priority -100; policy accept;
		ip daddr 127.0.0.11 udp dport 53 dnat to ${gateway}:${dnsPort}
		ip daddr 127.0.0.11 tcp dport 53 dnat to ${gateway}:${dnsPort}
	}
	chain postrouting {
		type nat hook postrouting priority 100; policy accept;
		ip saddr 127.0.0.0/8 ip daddr ${gateway} snat to ${ctrIp}
	}
	chain raw_pre {
		type filter hook prerouting priority raw; policy accept;
		iifname ${q(ifname)} ip daddr 127.0.0.0/8 drop
	}
}
`;
}

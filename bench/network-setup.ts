/**
 * The engine's per-container network work, timed on its own (what `run` pays for networking,
 * without the CLI, the daemon and the runtime around it): netns + veth + addresses + the
 * 127.0.0.11 table + one published port, then the teardown. Uses scratch names (a bridge
 * `blb-<hex>`, table `inet ballast-bench<hex>`) and removes them.
 *   node dist/bench/network-setup.js [N=30]   → JSON on stdout
 */
import { randomBytes } from 'node:crypto';
import { nftApply } from '../src/network/kernel.js';
import { NetNaming } from '../src/network/names.js';
import { NftTable } from '../src/network/nft-table.js';
import { configureNamespace, deleteLink, deleteNetns, ensureBridge, namespaceLines, plugEndpoints } from '../src/network/plumbing.js';
import { containerDnsTable } from '../src/network/ruleset.js';

const N = Number(process.argv[2] ?? 30);
const hex = randomBytes(4).toString('hex');
const bridge = `blb-${hex}`;
const table = new NftTable(`ballast-bench${hex}`);
const third = Math.floor(Math.random() * 200) + 20;
const gw = `10.254.${third}.1`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

async function main(): Promise<void> {
  await ensureBridge({ name: bridge, alias: `ballast:bench:br:${hex}`, gateway: gw, prefix: 24 });
  await table.rebuild({ bridges: [{ name: bridge, subnet: `10.254.${third}.0/24`, internal: false }], published: [] });
  const setup: number[] = [];
  const teardown: number[] = [];
  try {
    for (let i = 0; i < N; i++) {
      const id = randomBytes(6).toString('hex');
      const netns = `blb-${hex}-${id}`;
      const ip = `10.254.${third}.${2 + (i % 200)}`;
      const spec = {
        netns,
        newNetns: true,
        hostVeth: NetNaming.vethName(),
        alias: `ballast:bench:ep:${id}:${hex}`,
        bridge,
        ifname: 'eth0',
        mac: '02:42:0a:fe:00:02',
        ip,
        prefix: 24,
        gateway: gw,
      };
      const pub = [{ hostIp: '0.0.0.0', proto: 'tcp' as const, hostPort: 40000 + i, ctrIp: ip, ctrPort: 80 }];
      const t0 = process.hrtime.bigint();
      await plugEndpoints([spec]);
      await Promise.all([
        configureNamespace(netns, namespaceLines(spec)),
        nftApply(containerDnsTable(gw, 53, ip, 'eth0'), `/run/netns/${netns}`),
        table.publish(pub),
      ]);
      setup.push(ms(t0));
      const t1 = process.hrtime.bigint();
      await Promise.all([deleteNetns(netns), table.unpublish(pub)]);
      teardown.push(ms(t1));
      await new Promise((r) => setTimeout(r, 20)); // let the kernel reap the pair
    }
  } finally {
    await table.drop().catch(() => undefined);
    await deleteLink(bridge).catch(() => undefined);
  }
  console.log(JSON.stringify({ n: N, setupMedianMs: median(setup), setupMinMs: Math.min(...setup), teardownMedianMs: median(teardown) }));
}

void main();

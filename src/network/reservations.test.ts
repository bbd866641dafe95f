import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { PortAllocatedError, PortInUseError, PortReservations } from './reservations.js';

describe('port reservations', () => {
  it("gives Docker's two errors: ours, and the host's", async () => {
    const r = new PortReservations();
    try {
      const p = await r.reserve('c1', 'tcp', '127.0.0.1', 0);
      assert.ok(p > 0);
      await assert.rejects(r.reserve('c2', 'tcp', '127.0.0.1', p), (e: unknown) => e instanceof PortAllocatedError && e.message === `Bind for 127.0.0.1:${p} failed: port is already allocated`);
      // the same port on udp is a different reservation
      assert.equal(await r.reserve('c2', 'udp', '127.0.0.1', p).catch(() => p), p);
      const host = createServer();
      await new Promise<void>((ok) => host.listen(0, '127.0.0.1', () => ok()));
      const taken = (host.address() as { port: number }).port;
      await assert.rejects(
        r.reserve('c3', 'tcp', '127.0.0.1', taken),
        (e: unknown) => e instanceof PortInUseError && e.message === `Error starting userland proxy: listen tcp4 127.0.0.1:${taken}: bind: address already in use`,
      );
      host.close();
      r.releaseOwner('c1');
      assert.equal(await r.reserve('c4', 'tcp', '127.0.0.1', p), p);
    } finally {
      r.closeAll();
    }
  });

  it('takes the first free port of a range', async () => {
    const r = new PortReservations();
    try {
      const p = await r.reserve('a', 'tcp', '127.0.0.1', 0);
      const q = await r.reserveInRange('b', 'tcp', '127.0.0.1', p, p + 50);
      assert.notEqual(q, p);
      assert.ok(q > p && q <= p + 50);
    } finally {
      r.closeAll();
    }
  });
});

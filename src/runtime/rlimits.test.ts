import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseProcLimits, readHostRlimits, resolveRlimits, RLIM_INFINITY } from './rlimits.js';

const SAMPLE = `Limit                     Soft Limit           Hard Limit           Units     
Max cpu time              unlimited            unlimited            seconds   
Max file size             unlimited            unlimited            bytes     
Max data size             unlimited            unlimited            bytes     
Max stack size            8388608              unlimited            bytes     
Max core file size        0                    unlimited            bytes     
Max resident set          unlimited            unlimited            bytes     
Max processes             96365                96365                processes 
Max open files            1024                 20000                files     
Max locked memory         8388608              8388608              bytes     
Max address space         unlimited            unlimited            bytes     
Max file locks            unlimited            unlimited            locks     
Max pending signals       96365                96365                signals   
Max msgqueue size         819200               819200               bytes     
Max nice priority         0                    0                    
Max realtime priority     0                    0                    
Max realtime timeout      unlimited            unlimited            us        
`;

describe('rlimits', () => {
  it('parses /proc/<pid>/limits', () => {
    const l = parseProcLimits(SAMPLE);
    assert.deepEqual(l.RLIMIT_NOFILE, { soft: 1024n, hard: 20000n });
    assert.deepEqual(l.RLIMIT_STACK, { soft: 8388608n, hard: RLIM_INFINITY });
    assert.deepEqual(l.RLIMIT_NICE, { soft: 0n, hard: 0n });
    assert.equal(Object.keys(l).length, 16);
  });

  it('reads this process', () => {
    const l = readHostRlimits();
    assert.ok(l.RLIMIT_NOFILE && l.RLIMIT_NOFILE.hard >= l.RLIMIT_NOFILE.soft);
  });

  const host = parseProcLimits(SAMPLE);
  const cases: { name: string; req: Parameters<typeof resolveRlimits>[0]; want: ReturnType<typeof resolveRlimits> }[] = [
    { name: 'within limits', req: [{ type: 'RLIMIT_NOFILE', soft: 100, hard: 200 }], want: [{ type: 'RLIMIT_NOFILE', soft: 100n, hard: 200n }] },
    {
      name: 'hard above the host: clamped, soft follows',
      req: [{ type: 'RLIMIT_NOFILE', soft: 1048576, hard: 1048576 }],
      want: [{ type: 'RLIMIT_NOFILE', soft: 20000n, hard: 20000n }],
    },
    {
      name: 'only hard above: soft kept',
      req: [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 65536 }],
      want: [{ type: 'RLIMIT_NOFILE', soft: 1024n, hard: 20000n }],
    },
    {
      name: 'unlimited where the host is unlimited',
      req: [{ type: 'RLIMIT_CORE', soft: -1, hard: -1 }],
      want: [{ type: 'RLIMIT_CORE', soft: RLIM_INFINITY, hard: RLIM_INFINITY }],
    },
    {
      name: 'unlimited where the host is not',
      req: [{ type: 'RLIMIT_MEMLOCK', soft: Infinity, hard: Infinity }],
      want: [{ type: 'RLIMIT_MEMLOCK', soft: 8388608n, hard: 8388608n }],
    },
    {
      name: 'later request of a type wins',
      req: [
        { type: 'RLIMIT_NOFILE', soft: 1, hard: 2 },
        { type: 'RLIMIT_NOFILE', soft: 3, hard: 4 },
      ],
      want: [{ type: 'RLIMIT_NOFILE', soft: 3n, hard: 4n }],
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(resolveRlimits(c.req, host, 'clamp'), c.want));

  it('reject policy refuses what clamp would lower', () => {
    assert.throws(() => resolveRlimits([{ type: 'RLIMIT_NOFILE', soft: 1, hard: 20001 }], host, 'reject'), /exceeds/);
    assert.deepEqual(resolveRlimits([{ type: 'RLIMIT_NOFILE', soft: 1, hard: 20000 }], host, 'reject'), [
      { type: 'RLIMIT_NOFILE', soft: 1n, hard: 20000n },
    ]);
  });

  it('soft above hard is invalid', () => {
    assert.throws(() => resolveRlimits([{ type: 'RLIMIT_NOFILE', soft: 10, hard: 5 }], host, 'clamp'), /soft limit/);
  });
});

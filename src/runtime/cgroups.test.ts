import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { CGROUP2_SUPER_MAGIC, detectCgroups, TMPFS_MAGIC, type CgroupProbe } from './cgroups.js';

function probe(types: Record<string, number>, files: Record<string, string> = {}): CgroupProbe {
  return { fsType: (p) => types[p] ?? null, read: (p) => files[p] ?? null };
}

describe('detectCgroups', () => {
  const R = '/sys/fs/cgroup';
  const cases: { name: string; p: CgroupProbe; mode: string; workaround: boolean; controllers: string[] }[] = [
    { name: 'pure v2', p: probe({ [R]: CGROUP2_SUPER_MAGIC }), mode: 'unified', workaround: false, controllers: [] },
    { name: 'legacy v1', p: probe({ [R]: TMPFS_MAGIC }), mode: 'legacy', workaround: false, controllers: [] },
    {
      name: 'hybrid with hugetlb on v2 (this host)',
      p: probe({ [R]: TMPFS_MAGIC, [`${R}/unified`]: CGROUP2_SUPER_MAGIC }, { [`${R}/unified/cgroup.controllers`]: 'hugetlb\n' }),
      mode: 'hybrid',
      workaround: true,
      controllers: ['hugetlb'],
    },
    {
      name: 'hybrid with an empty v2',
      p: probe({ [R]: TMPFS_MAGIC, [`${R}/unified`]: CGROUP2_SUPER_MAGIC }, { [`${R}/unified/cgroup.controllers`]: '' }),
      mode: 'hybrid',
      workaround: false,
      controllers: [],
    },
    {
      name: 'tmpfs with a non-cgroup2 unified dir is legacy',
      p: probe({ [R]: TMPFS_MAGIC, [`${R}/unified`]: TMPFS_MAGIC }),
      mode: 'legacy',
      workaround: false,
      controllers: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const info = detectCgroups(c.p, R);
      assert.equal(info.mode, c.mode);
      assert.equal(info.crunNeedsHybridWorkaround, c.workaround);
      assert.deepEqual(info.hybridV2Controllers, c.controllers);
    });
  }

  it('agrees with the host', () => {
    const info = detectCgroups();
    const rootType = statfsSync('/sys/fs/cgroup').type;
    if (rootType === CGROUP2_SUPER_MAGIC) return assert.equal(info.mode, 'unified');
    const uni = '/sys/fs/cgroup/unified/cgroup.controllers';
    if (existsSync(uni)) {
      assert.equal(info.mode, 'hybrid');
      assert.equal(info.crunNeedsHybridWorkaround, readFileSync(uni, 'utf8').length > 0);
    } else {
      assert.equal(info.mode, 'legacy');
    }
  });
});

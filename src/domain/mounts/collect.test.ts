// Precedence, duplicates and ordering (§2b, §3b, §4, §6, §9), from docker CLI
// flags through the client parsers to the daemon's registration. Volume
// creation, copy-up and the "cannot mount volume over existing file" check
// are the engine's; what runc does with the list is integration-tested.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { collectMounts, effectiveMounts, sortMounts, verifyMountSettings, type CollectMountsInput, type CollectedMounts } from './collect.js';
import { parseMountFlagClient } from './mount-flag.js';
import type { MountSpec } from './spec.js';
import { parseTmpfsFlagsClient } from './tmpfs.js';
import { parseVolumeFlagsClient } from './volume-flag.js';
import { inheritMounts, parseVolumesFrom } from './volumes-from.js';

const H = '/srv/host';
const W = '/tmp/W';
const ROOT = '/var/lib/docker';

interface Flags {
  v?: string[];
  mount?: string[];
  tmpfs?: string[];
  image?: string[];
  volumesFrom?: MountSpec[];
  volumeDriver?: string;
  exists?: (p: string) => boolean;
}

/** `docker create <flags> <image>` as far as mounts go. */
function create(f: Flags): CollectedMounts {
  const { binds, volumes } = parseVolumeFlagsClient(f.v ?? [], W);
  const input: CollectMountsInput = {
    binds,
    mounts: (f.mount ?? []).map((m) => parseMountFlagClient(m, W).mount),
    tmpfs: parseTmpfsFlagsClient(f.tmpfs ?? []),
    configVolumes: volumes,
    imageVolumes: Object.fromEntries((f.image ?? []).map((p) => [p, {}])),
    daemonRoot: ROOT,
    ...(f.volumesFrom ? { volumesFrom: f.volumesFrom } : {}),
    ...(f.volumeDriver ? { volumeDriver: f.volumeDriver } : {}),
    ...(f.exists ? { bindSourceExists: f.exists } : {}),
  };
  return collectMounts(input);
}

/** Compact "kind:name-or-source@target" view. */
function brief(list: readonly MountSpec[]): string[] {
  return list.map((m) => {
    if (m.kind === 'volume') return `volume:${m.name ?? '<anon>'}@${m.target}${m.readOnly ? ':ro' : ''}`;
    if (m.kind === 'bind') return `bind:${m.source}@${m.target}${m.readOnly ? ':ro' : ''}`;
    return `tmpfs:${m.options}@${m.target}`;
  });
}

describe('duplicates (400 Duplicate mount point)', () => {
  const cases: Array<[id: string, flags: Flags, message: string]> = [
    ['V-43', { v: ['spec-d1:/x', 'spec-d2:/x'] }, 'Duplicate mount point: /x'],
    ['V-43', { v: ['spec-d1:/x', 'spec-d2:/x/'] }, 'Duplicate mount point: /x'],
    ['V-43', { v: ['spec-d1:/x', `${H}:/x`] }, 'Duplicate mount point: /x'],
    ['§4', { v: ['spec-d1:/x'], tmpfs: ['/x'] }, 'Duplicate mount point: /x'],
    ['M-48', { mount: ['type=volume,src=spec-d1,dst=/x', 'type=volume,src=spec-d2,dst=/x'] }, 'Duplicate mount point: /x'],
    ['M-48', { v: ['spec-d1:/x'], mount: ['type=volume,src=spec-d2,dst=/x'] }, 'Duplicate mount point: /x'],
    ['M-48', { mount: ['type=volume,dst=/x', 'type=tmpfs,dst=/x'] }, 'Duplicate mount point: /x'],
    ['M-48', { v: ['spec-d1:/x'], mount: ['type=volume,src=spec-d2,dst=/x/'] }, 'Duplicate mount point: /x/'], // Target as given
  ];
  for (const [id, flags, message] of cases) {
    it(`${id} ${JSON.stringify(flags)}`, () => assert.throws(() => create(flags), { kind: 'invalidArgument', message }));
  }
});

describe('precedence', () => {
  it('V-44/V-45: identical -v once; one volume at two paths', () => {
    assert.deepEqual(brief(create({ v: ['spec-d1:/x', 'spec-d1:/x'] }).mountPoints), ['volume:spec-d1@/x']);
    assert.deepEqual(brief(create({ v: ['spec-d1:/x', 'spec-d1:/y'] }).mountPoints), ['volume:spec-d1@/x', 'volume:spec-d1@/y']);
  });

  it('V-46: an anonymous -v yields silently to a named one', () => {
    assert.deepEqual(brief(create({ v: ['/x', 'spec-d1:/x'] }).mountPoints), ['volume:spec-d1@/x']);
  });

  it('V-03/A-01: -v /data is an anonymous volume without mode', () => {
    const [m] = create({ v: ['/data'] }).mountPoints;
    assert.deepEqual(m, { kind: 'volume', name: undefined, anonymous: true, target: '/data', readOnly: false, noCopy: false, mode: '', origin: 'config-volumes' });
  });

  it('V-26/V-28/V-29: Config.Volumes targets are not validated', () => {
    assert.deepEqual(brief(create({ v: ['x:/data', 'ab', 'C:\\data'] }).mountPoints), ['volume:<anon>@x:/data', 'volume:<anon>@ab', 'volume:<anon>@C:\\data']);
  });

  it('V-47/V-48: --volume-driver reaches -v volumes and anonymous ones, not --mount', () => {
    const r = create({ v: ['spec-vd:/data', '/anon'], mount: ['type=volume,src=m,dst=/m'], volumeDriver: 'nosuchdrv' });
    assert.deepEqual(r.mountPoints.map((m) => (m.kind === 'volume' ? m.driver : 'bind')), ['nosuchdrv', undefined, 'nosuchdrv']);
  });

  it('M-49: a --mount volume under a --tmpfs is registered but not mounted', () => {
    const r = create({ mount: ['type=volume,src=spec-d1,dst=/x'], tmpfs: ['/x:size=1m'] });
    assert.deepEqual(brief(r.mountPoints), ['volume:spec-d1@/x']);
    assert.deepEqual(brief(r.mounts), ['tmpfs:size=1m@/x']);
  });

  it('M-50: --mount tmpfs and --tmpfs at one path are stacked', () => {
    const r = create({ mount: ['type=tmpfs,dst=/x,tmpfs-size=2m'], tmpfs: ['/x:size=1m'] });
    assert.deepEqual(brief(r.mounts), ['tmpfs:size=1m@/x', 'tmpfs:size=2m@/x']);
  });

  it('T-32: .Mounts lists --mount tmpfs, not --tmpfs', () => {
    const r = create({ tmpfs: ['/h:size=2m'], mount: ['type=tmpfs,dst=/g,tmpfs-size=1m'] });
    assert.deepEqual(brief(r.mountPoints), ['tmpfs:size=1m@/g']);
    assert.deepEqual(brief(r.mounts), ['tmpfs:size=2m@/h', 'tmpfs:size=1m@/g']);
  });

  it('T-31/R-04: volume and tmpfs stay writable (--read-only is about the rootfs)', () => {
    const r = create({ v: ['vol:/data'], tmpfs: ['/t'] });
    assert.deepEqual(r.mounts.map((m) => m.readOnly), [false, false]);
  });

  it('A-06: image volumes become anonymous volumes', () => {
    assert.deepEqual(brief(create({ image: ['/data', '/empty-vol'] }).mountPoints), ['volume:<anon>@/data', 'volume:<anon>@/empty-vol']);
    assert.equal(create({ image: ['/data'] }).mountPoints[0]?.origin, 'image');
  });

  it('A-07: explicit mounts suppress image volumes', () => {
    assert.deepEqual(brief(create({ v: ['spec-ivn:/data', `${H}:/empty-vol`], image: ['/data', '/empty-vol'] }).mountPoints), [
      'volume:spec-ivn@/data',
      `bind:${H}@/empty-vol`,
    ]);
  });

  it('A-08: --tmpfs and --mount tmpfs suppress image volumes', () => {
    const r = create({ tmpfs: ['/data'], mount: ['type=tmpfs,dst=/empty-vol'], image: ['/data', '/empty-vol'] });
    assert.deepEqual(brief(r.mountPoints), ['tmpfs:@/empty-vol']);
  });

  it('A-23: a nocopy named volume over an image VOLUME path suppresses it', () => {
    assert.deepEqual(brief(create({ v: ['spec-vff:/file.txt:nocopy'], image: ['/file.txt'] }).mountPoints), ['volume:spec-vff@/file.txt']);
  });

  it('image volume keys are cleaned and de-duplicated', () => {
    assert.deepEqual(brief(create({ image: ['/data/', '/data'] }).mountPoints), ['volume:<anon>@/data']);
  });

  it('A-15: -v replaces an inherited mount without error; the rest is inherited', () => {
    const src = create({ v: ['spec-vfa:/a', `${H}:/b:ro`] }).mountPoints;
    const inherited = inheritMounts(src, parseVolumesFrom('src').mode);
    const r = create({ volumesFrom: inherited, v: ['spec-vfb:/a'] });
    assert.deepEqual(brief(r.mountPoints), [`bind:${H}@/b:ro`, 'volume:spec-vfb@/a']);
    assert.equal(r.mountPoints[0]?.origin, 'volumes-from');
  });

  it('A-17: --volumes-from does not carry HostConfig.Tmpfs', () => {
    const src = create({ tmpfs: ['/tmpf'], v: [`${H}:/bind:ro`] }).mountPoints;
    assert.deepEqual(brief(inheritMounts(src, 'rw')), [`bind:${H}@/bind:ro`]);
  });

  it('volumes-from may be given lazily, resolved after Mounts/Tmpfs validation', () => {
    let called = false;
    assert.throws(
      () => collectMounts({ tmpfs: { rel: '' }, volumesFrom: () => { called = true; return []; } }),
      { kind: 'invalidArgument', message: "invalid mount path: 'rel' mount path must be absolute" },
    );
    assert.equal(called, false);
  });
});

describe('validation order at create', () => {
  it('M-01/M-16: a --mount bind source must exist (checked through the callback)', () => {
    assert.throws(() => create({ mount: ['type=bind,src=./rel,dst=/data'], exists: () => false }), {
      kind: 'invalidArgument',
      message: `invalid mount config for type "bind": bind source path does not exist: ${W}/rel`,
    });
    assert.equal(create({ mount: ['type=bind,src=./rel,dst=/data'], exists: () => true }).mountPoints[0]?.kind, 'bind');
  });

  it('Mounts are validated before Binds are parsed', () => {
    assert.throws(() => create({ v: ['spec:/x:foo'], mount: ['type=foo,dst=/y'] }), {
      kind: 'invalidArgument',
      message: 'invalid mount config for type "foo": mount type unknown',
    });
  });

  it('Binds errors keep kind internal (HTTP 500)', () => {
    assert.throws(() => create({ v: ['spec:/x:foo'] }), { kind: 'internal', message: 'invalid mode: foo' });
  });

  it('M-51: the start-time re-check uses the same rules', () => {
    const mounts = [parseMountFlagClient(`type=bind,src=${W}/vanish,dst=/v`, W).mount];
    assert.doesNotThrow(() => verifyMountSettings(mounts, {}, () => true));
    assert.throws(() => verifyMountSettings(mounts, {}, () => false), {
      kind: 'invalidArgument',
      message: `invalid mount config for type "bind": bind source path does not exist: ${W}/vanish`,
    });
  });
});

describe('daemon root (V-42)', () => {
  it('refuses an explicit private propagation for a source inside the root', () => {
    assert.throws(() => create({ mount: [`type=bind,src=${ROOT}/volumes,dst=/data,bind-propagation=private`] }), {
      kind: 'invalidArgument',
      message: `invalid mount config: must use either propagation mode "rslave" or "rshared" when mount source is within the daemon root, daemon root: "${ROOT}", bind mount source: "${ROOT}/volumes", propagation: "private"`,
    });
    assert.throws(() => create({ v: [`${ROOT}/volumes:/data:shared`] }), { kind: 'invalidArgument' });
  });

  it('forces rslave when none was given, keeps rslave/rshared', () => {
    const r = create({
      v: [`${ROOT}/x:/a`, '/:/host', `${H}:/h`],
      mount: [`type=bind,src=${ROOT}/y,dst=/b,bind-propagation=rshared`, `type=bind,src=${ROOT}/z,dst=/c,bind-nonrecursive`],
    });
    assert.deepEqual(r.mountPoints.map((m) => (m.kind === 'bind' ? m.propagation : '')), ['rslave', 'rslave', 'rprivate', 'rshared', 'rslave']);
  });
});

describe('ordering (§9)', () => {
  it('R-10: parents first whatever the flag order', () => {
    const r = create({ v: ['spec-inner:/data/inner', 'spec-outer:/data'] });
    assert.deepEqual(r.mounts.map((m) => m.target), ['/data', '/data/inner']);
  });

  it('R-13/R-14: tmpfs, binds and volumes sort together by depth', () => {
    const r = create({ v: ['spec-nest:/data/sub', 'vol-a:/a/b/c'], tmpfs: ['/data:ro'], mount: ['type=volume,src=z,dst=/z'] });
    assert.deepEqual(r.mounts.map((m) => m.target), ['/z', '/data', '/data/sub', '/a/b/c']);
  });

  it('sortMounts counts components of the cleaned destination', () => {
    const t = (target: string): { target: string } => ({ target });
    assert.deepEqual(sortMounts([t('/a/b/'), t('ab'), t('/a//'), t('/x/../y/z')]).map((x) => x.target), ['ab', '/a//', '/a/b/', '/x/../y/z']);
  });

  it('effectiveMounts compares --tmpfs keys verbatim', () => {
    const points: MountSpec[] = [{ kind: 'volume', name: 'v', anonymous: false, target: '/x', readOnly: false, noCopy: false, mode: '', origin: 'binds' }];
    assert.deepEqual(brief(effectiveMounts(points, { '/x/': '' })), ['volume:v@/x', 'tmpfs:@/x/']);
  });
});

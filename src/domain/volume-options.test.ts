import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineError } from './errors.js';
import {
  isSizeLimitedVolume,
  localVolumeNeedsMount,
  validateLocalVolumeOptions,
  type VolumeOptionMap,
} from './volume-options.js';

interface Row {
  name: string;
  opts: VolumeOptionMap | null;
  sizeLimit?: boolean;
  error?: string;
}

// D-01..D-07 of the storage spec, plus the order moby checks things in.
const rows: Row[] = [
  { name: 'no options', opts: null },
  { name: 'empty map', opts: {} },
  { name: 'D-01 unknown key', opts: { foo: 'bar' }, error: 'invalid option: "foo"' },
  { name: 'D-07 key without value', opts: { novalue: '' }, error: 'invalid option: "novalue"' },
  { name: 'first invalid key is reported', opts: { type: 'tmpfs', zzz: '1', aaa: '2' }, error: 'invalid option: "zzz"' },
  { name: 'invalid key wins over missing', opts: { o: 'x', foo: 'bar' }, error: 'invalid option: "foo"' },
  { name: 'D-02 type alone', opts: { type: 'tmpfs' }, error: 'missing required option: "device"' },
  { name: 'D-03 device alone', opts: { device: 'tmpfs' }, error: 'missing required option: "type"' },
  { name: 'D-04 o alone', opts: { o: 'size=1m' }, error: 'missing required option: "device"' },
  { name: 'D-04 o and type', opts: { o: 'size=1m', type: 'tmpfs' }, error: 'missing required option: "device"' },
  { name: 'o and device', opts: { o: 'size=1m', device: 'tmpfs' }, error: 'missing required option: "type"' },
  { name: 'tmpfs complete', opts: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m,uid=1000' } },
  { name: 'type and device, no o', opts: { type: 'tmpfs', device: 'tmpfs' } },
  { name: 'bind', opts: { type: 'none', o: 'bind', device: '/srv' } },
  { name: 'empty device value passes validation', opts: { type: 'tmpfs', device: '' } },
  { name: 'D-05 size (Docker)', opts: { size: '10m' }, sizeLimit: false, error: 'quota size requested but no quota support' },
  { name: 'D-06 size abc', opts: { size: 'abc' }, error: "invalid size: 'abc'" },
  { name: 'size suffix', opts: { size: '10x' }, error: "invalid suffix: 'x'" },
  { name: 'size zero is no quota', opts: { size: '0' }, sizeLimit: false },
  { name: 'size before missing option', opts: { size: '10m', type: 'tmpfs' }, sizeLimit: false, error: 'quota size requested but no quota support' },
  { name: 'bad size before missing option', opts: { size: 'abc', type: 'tmpfs' }, error: "invalid size: 'abc'" },
  { name: 'size-limited volume (ballast)', opts: { size: '10m' }, sizeLimit: true },
  { name: 'size-limited with type is not supported', opts: { size: '10m', type: 'tmpfs', device: 'tmpfs' }, sizeLimit: true, error: 'quota size requested but no quota support' },
  { name: 'size-limited too small', opts: { size: '100k' }, sizeLimit: true, error: "invalid size: '100k': a size-limited volume needs at least 1MiB" },
  { name: 'cifs port in URL', opts: { type: 'cifs', device: '//srv:445/share' }, error: "port not allowed in CIFS device URL, include 'port' in 'o='" },
  { name: 'cifs without port', opts: { type: 'cifs', device: '//user@srv/share', o: 'port=445' } },
];

for (const r of rows) {
  test(`validateLocalVolumeOptions: ${r.name}`, () => {
    const run = (): unknown => validateLocalVolumeOptions(r.opts, { sizeLimit: r.sizeLimit ?? false });
    if (r.error === undefined) {
      run();
      return;
    }
    assert.throws(run, (e: unknown) => {
      assert.ok(e instanceof EngineError);
      assert.equal(e.kind, 'invalidArgument');
      assert.equal(e.message, r.error);
      return true;
    });
  });
}

test('validateLocalVolumeOptions normalises', () => {
  assert.deepEqual(validateLocalVolumeOptions({ type: 'tmpfs', device: 'tmpfs', o: 'size=1m' }), {
    type: 'tmpfs',
    o: 'size=1m',
    device: 'tmpfs',
    sizeBytes: 0,
  });
  assert.equal(validateLocalVolumeOptions({ size: '1.5m' }, { sizeLimit: true })?.sizeBytes, 1572864);
  assert.equal(validateLocalVolumeOptions(null), null);
  assert.equal(validateLocalVolumeOptions({}), null);
});

test('localVolumeNeedsMount / isSizeLimitedVolume', () => {
  const cases: Array<[VolumeOptionMap | null, boolean, boolean]> = [
    [null, false, false],
    [{}, false, false],
    [{ type: 'tmpfs', device: 'tmpfs' }, true, false],
    [{ type: 'none', o: 'bind', device: '/x' }, true, false],
    [{ type: '', device: '' }, false, false],
    [{ size: '0' }, false, false],
    [{ size: '10m' }, true, true],
    [{ size: 'abc' }, false, false],
  ];
  for (const [opts, needs, sized] of cases) {
    assert.equal(localVolumeNeedsMount(opts), needs, JSON.stringify(opts));
    assert.equal(isSizeLimitedVolume(opts), sized, JSON.stringify(opts));
  }
});

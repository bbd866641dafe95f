import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LocalVolumeOptions } from '../../domain/volume-options.js';
import { buildMountCall, formatMountError, isIPv4Literal, parseMountOptions } from './mount-call.js';
import { cleanMountMessage, diagnoseMountFailure } from './mount-errors.js';
import { resolverAddress } from './resolve.js';

const T = '/var/lib/docker/volumes/v/_data';
const opts = (type: string, device: string, o = ''): LocalVolumeOptions => ({ type, device, o, sizeBytes: 0 });
const noResolve = (host: string): Promise<string> => Promise.reject(new Error(`unexpected lookup of ${host}`));

test('parseMountOptions splits flags from data like moby/sys/mount', () => {
  const rows: Array<[string, number, string]> = [
    ['', 0, ''],
    ['ro', 0x1, ''],
    ['bind', 0x1000, ''],
    ['rbind', 0x5000, ''],
    ['ro,bind', 0x1001, ''],
    ['rw', 0, ''],
    ['ro,rw', 0, ''],
    ['nosuid,nodev,noexec', 0xe, ''],
    ['size=1m,uid=1000', 0, 'size=1m,uid=1000'],
    ['addr=127.0.0.1,ro', 0x1, 'addr=127.0.0.1'],
    ['defaults', 0, 'defaults'], // no bits: moby passes it on as data
    ['noatime,size=1m,mode=1777', 0x400, 'size=1m,mode=1777'],
    ['relatime,strictatime', 0x1200000, ''],
    ['rprivate', 0x44000, ''],
  ];
  for (const [o, flags, data] of rows) assert.deepEqual(parseMountOptions(o), { flags, data }, o);
});

test('isIPv4Literal', () => {
  for (const s of ['127.0.0.1', '10.0.0.255', '0.0.0.0']) assert.ok(isIPv4Literal(s), s);
  for (const s of ['256.0.0.1', '1.2.3', 'host', '::1', '01.2.3.4', '']) assert.ok(!isIPv4Literal(s), s);
});

test('tmpfs call', async () => {
  const c = await buildMountCall(opts('tmpfs', 'tmpfs', 'size=1m,uid=1000'), T, noResolve);
  assert.deepEqual(
    { source: c.source, target: c.target, fsType: c.fsType, flags: c.flags, data: c.data, options: c.options },
    { source: 'tmpfs', target: T, fsType: 'tmpfs', flags: 0, data: 'size=1m,uid=1000', options: 'size=1m,uid=1000' },
  );
});

test('D-17: nfs with an IPv4 addr is passed as Docker passes it, unresolved', async () => {
  const c = await buildMountCall(opts('nfs', ':/export', 'addr=127.0.0.1,ro'), T, noResolve);
  assert.equal(c.source, ':/export');
  assert.equal(c.fsType, 'nfs');
  assert.equal(c.flags, 0x1);
  assert.equal(c.data, 'addr=127.0.0.1');
  assert.equal(
    formatMountError(c, 'no such device'),
    `mount :/export:${T}, flags: 0x1, data: addr=127.0.0.1: no such device`,
  );
});

test('nfs addr host name is resolved and replaced in the data', async () => {
  const seen: string[] = [];
  const c = await buildMountCall(opts('nfs', ':/export', 'vers=4,addr=nfs.example,ro'), T, (h) => {
    seen.push(h);
    return Promise.resolve('192.0.2.7');
  });
  assert.deepEqual(seen, ['nfs.example']);
  assert.equal(c.options, 'vers=4,addr=192.0.2.7,ro');
  assert.equal(c.data, 'vers=4,addr=192.0.2.7');
  assert.equal(c.flags, 1);
});

test('D-16: resolution failure is wrapped like moby', async () => {
  await assert.rejects(
    buildMountCall(opts('nfs', ':/export', 'addr=nonexistent.invalid,ro'), T, () =>
      Promise.reject(new Error('lookup nonexistent.invalid on 10.255.255.53:53: no such host')),
    ),
    {
      message:
        'error resolving passed in network volume address: lookup nonexistent.invalid on 10.255.255.53:53: no such host',
    },
  );
});

test('addr is only resolved for nfs and cifs', async () => {
  const c = await buildMountCall(opts('tmpfs', 'tmpfs', 'addr=somewhere'), T, noResolve);
  assert.equal(c.data, 'addr=somewhere');
});

test('cifs: URL host resolved when addr is absent, password masked in errors', async () => {
  const c = await buildMountCall(opts('cifs', '//files.example/share', 'username=u,password=s3cret'), T, () =>
    Promise.resolve('192.0.2.9'),
  );
  assert.equal(c.source, '//192.0.2.9/share');
  assert.equal(
    formatMountError(c, 'no such device'),
    `mount //192.0.2.9/share:${T}, data: username=u,password=********: no such device`,
  );
});

test('missing device is moby\'s mount-time error', async () => {
  await assert.rejects(buildMountCall(opts('tmpfs', ''), T, noResolve), { message: 'missing device in volume options' });
});

test('D-15 / D-19 message shapes', async () => {
  const bind = await buildMountCall(opts('none', '/w/nonexist', 'bind'), T, noResolve);
  assert.equal(
    formatMountError(bind, 'no such file or directory'),
    `mount /w/nonexist:${T}, flags: 0x1000: no such file or directory`,
  );
  const ext4 = await buildMountCall(opts('ext4', '/dev/spec-nonexistent'), T, noResolve);
  assert.equal(
    formatMountError(ext4, 'no such file or directory'),
    `mount /dev/spec-nonexistent:${T}: no such file or directory`,
  );
  // Propagation types never show in the first call's flags.
  const priv = await buildMountCall(opts('none', '/src', 'rbind,rprivate,ro'), T, noResolve);
  assert.equal(priv.flags, 0x5001);
  assert.equal(priv.allFlags, 0x45001);
});

test('resolverAddress renders the first nameserver as Go does', () => {
  assert.equal(resolverAddress('# x\nsearch lan\nnameserver 10.255.255.53\nnameserver 1.1.1.1\n'), '10.255.255.53:53');
  assert.equal(resolverAddress('nameserver ::1\n'), '[::1]:53');
  assert.equal(resolverAddress('nameserver fe80::1%eth0\n'), '[fe80::1]:53');
  assert.equal(resolverAddress(''), '127.0.0.1:53');
});

test('diagnoseMountFailure maps libmount messages to errno text', () => {
  const frame = (s: string): string =>
    `mount: ${T}: ${s}\n       dmesg(1) may have more information after failed mount system call.\n`;
  const rows: Array<[string, string]> = [
    [frame("unknown filesystem type 'nfs'."), 'no such device'],
    [frame('special device /dev/spec-nonexistent does not exist.'), 'no such file or directory'],
    [frame('/etc is not a block device.'), 'block device required'],
    [
      frame('wrong fs type, bad option, bad superblock on tmpfs, missing codepage or helper program, or other error.'),
      'invalid argument',
    ],
    [frame("can't read superblock on /dev/loop5."), 'input/output error'],
    [frame('mount(2) system call failed: Stale file handle.'), 'stale file handle'],
    [frame('something new.'), 'something new'],
    // A helper speaks for itself.
    ['read: Connection reset by peer\n', 'read: Connection reset by peer'],
    ['root@10.0.0.2: Permission denied (publickey).\nread: Connection reset by peer\n',
      'root@10.0.0.2: Permission denied (publickey).; read: Connection reset by peer'],
  ];
  for (const [stderr, want] of rows) {
    assert.equal(diagnoseMountFailure({ source: 'x', target: T, isBind: false, stderr }), want, stderr);
  }
  // A bind source is checked directly.
  assert.equal(
    diagnoseMountFailure({ source: '/nonexistent/ballast-test', target: T, isBind: true, stderr: frame('whatever.') }),
    'no such file or directory',
  );
  assert.equal(cleanMountMessage(frame('x y.'), T), 'x y');
});

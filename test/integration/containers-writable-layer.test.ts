/**
 * docker-storage-semantics §10: the container writable layer and `docker diff` (W-01 … W-08),
 * every case dockerd 20.10 passes, through the docker CLI and bin/ballast (see containers-harness.ts).
 */
import assert from 'node:assert/strict';
import { daemonErr, expect, out, outText, run, runTable, type Case, type Step, type Text } from './containers-harness.js';

/** `docker diff` lines as a set: the order is the layer's walk order, which the file system decides. */
function diffIs(...want: string[]): Text {
  return (a) => assert.deepEqual(a.split('\n').filter(Boolean).sort(), [...want].sort(), `diff output:\n${a}`);
}

const W01_SCRIPT = 'echo a > /added.txt; echo c >> /file.txt; rm /imgdir/img.txt; mkdir -p /newdir/sub; echo v > /vol/v; echo t > /tmpx/t; echo i > /etc/app/app.conf';
const W01_DIFF = [
  'C /imgdir', 'D /imgdir/img.txt', 'A /newmnt', 'A /newmnt/deep', 'A /added.txt', 'C /file.txt', 'A /newdir', 'A /newdir/sub',
  'A /vol', 'C /etc', 'C /etc/app', 'C /etc/app/app.conf', 'A /tmpx',
];
const runWl: Step = out(['run', '--name', 'spec-wl', '-v', 'spec-wlv:/vol', '-v', 'spec-wlv2:/newmnt/deep', '--tmpfs', '/tmpx', 'spec-full', 'sh', '-c', W01_SCRIPT]);

const cases: Case[] = [
  {
    id: 'W-01', title: 'diff: layer changes and mount points; nothing under mounts; no managed files', runc: true,
    steps: [runWl, outText(['diff', 'spec-wl'], diffIs(...W01_DIFF))],
  },
  {
    id: 'W-02', title: 'start -a re-runs the command on the kept layer',
    setup: [runWl],
    steps: [
      { cli: ['start', '-a', 'spec-wl'], expect: expect(0, '', "rm: can't remove '/imgdir/img.txt': No such file or directory\n") },
      outText(['diff', 'spec-wl'], diffIs(...W01_DIFF)),
      out(['run', '--rm', '-v', 'spec-wlv:/vol', 'busybox', 'cat', '/vol/v'], 'v'),
    ],
  },
  {
    id: 'W-03', title: 'the layer survives stop, start and restart', runc: true,
    steps: [
      { cli: ['run', '-d', '--name', 'spec-p', 'spec-full', 'sh', '-c', 'echo x > /persist; sleep 300'], expect: expect(0, '<hex>\n') },
      out(['exec', 'spec-p', 'sh', '-c', 'echo y > /marker']),
      out(['stop', '-t', '1', 'spec-p'], 'spec-p'),
      out(['start', 'spec-p'], 'spec-p'),
      out(['exec', 'spec-p', 'cat', '/persist', '/marker'], 'x', 'y'),
      out(['restart', '-t', '1', 'spec-p'], 'spec-p'),
      out(['exec', 'spec-p', 'cat', '/persist', '/marker'], 'x', 'y'),
    ],
  },
  {
    id: 'W-04', title: 'rm deletes the layer; another container never sees it', runc: true,
    setup: [out(['run', '--name', 'spec-p', 'spec-full', 'sh', '-c', 'echo x > /persist; cat /persist'], 'x')],
    steps: [
      out(['rm', '-f', 'spec-p'], 'spec-p'),
      { cli: ['run', '--rm', 'spec-full', 'cat', '/persist'], expect: expect(1, '', "cat: can't open '/persist': No such file or directory\n") },
    ],
  },
  {
    id: 'W-05', title: 'restart: tmpfs fresh, anonymous volume and layer kept', runc: true,
    steps: [
      run('run', '-d', '--name', 'spec-x', '--tmpfs', '/t', '-v', '/anon', 'spec-full', 'sleep', '300'),
      out(['exec', 'spec-x', 'sh', '-c', 'echo t > /t/f; echo a > /anon/f; echo l > /layer']),
      out(['restart', '-t', '1', 'spec-x'], 'spec-x'),
      out(['exec', 'spec-x', 'sh', '-c', 'ls -A /t; cat /anon/f /layer'], 'a', 'l'),
    ],
  },
  {
    id: 'W-06', title: 'diff of a never-started container, and after `true`: empty', runc: true,
    steps: [
      run('create', '--name', 'spec-x', 'spec-full', 'true'),
      out(['diff', 'spec-x']),
      out(['start', '-a', 'spec-x']),
      out(['diff', 'spec-x']),
    ],
  },
  { id: 'W-07', title: 'diff of a missing container', steps: [daemonErr(['diff', 'spec-nonexist'], 'No such container: spec-nonexist')] },
  {
    id: 'W-08', title: 'commit keeps the layer, not the volume content',
    steps: [
      out(['run', '--name', 'spec-x', '-v', 'spec-cmv:/vol', 'spec-full', 'sh', '-c', 'echo r > /rootf; echo v > /vol/v']),
      { cli: ['commit', 'spec-x', 'spec-img'], expect: expect(0, 'sha256:<hex>\n') },
      out(['run', '--rm', 'spec-img', 'sh', '-c', 'cat /rootf; ls -A /vol; echo end'], 'r', 'end'),
    ],
  },
];

runTable('§10 writable layer and diff', cases);

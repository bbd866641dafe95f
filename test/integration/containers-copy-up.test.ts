/**
 * docker-storage-semantics §5: copy-up, populating a volume from the image (C-01 … C-19),
 * every case dockerd 20.10 passes, through the docker CLI and bin/ballast (see containers-harness.ts).
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  created, host, ls, out, outText, pat, run, runErr, runTable, type Case, type Ctx, type Step,
} from './containers-harness.js';

const MOUNT_TYPE_HINT = 'Are you trying to mount a directory onto a file (or vice-versa)? Check if the specified host path exists and is the expected type';
const mkdir = (rel: string): Step => host(`mkdir $W/${rel}`, (ctx) => {
  mkdirSync(join(ctx.W, rel), { recursive: true });
});

/** `/data` of spec-full as `ls -lan <at> <at>/sub` shows it (lsView), for a volume mounted at `at`. */
function populated(at: string, parent = 'drwxr-xr-x 0 0 ..'): string[] {
  return [
    `${at}:`, 'drwxr-x--- 1000 1000 .', parent, '-rw-r----- 1001 1002 11 hello.txt', 'lrwxrwxrwx 0 0 9 link -> hello.txt', 'drwxr-xr-x 1000 1000 sub', '',
    `${at}/sub:`, 'drwxr-xr-x 1000 1000 .', 'drwxr-x--- 1000 1000 ..', '-rw-r--r-- 1000 1000 7 nested.txt',
  ];
}
/** `run --rm -v <vol>:/x busybox ls -lan /x /x/sub` shows spec-full's /data. */
const volumeHoldsData = (vol: string): Step => outText(['run', '--rm', '-v', `${vol}:/x`, 'busybox', 'ls', '-lan', '/x', '/x/sub'], ls(...populated('/x')));
/** The volume is empty, its root `<perm> <uid> <gid>`. */
const volumeEmpty = (vol: string, root = 'drwxr-xr-x 0 0'): Step => outText(['run', '--rm', '-v', `${vol}:/x`, 'busybox', 'ls', '-lan', '/x'], ls(`${root} .`, 'drwxr-xr-x 0 0 ..'));
const emptyVolume = (vol: string): Step => run('run', '--rm', '-v', `${vol}:/x`, 'busybox', 'sh', '-c', 'rm -rf /x/* /x/.[!.]*');

/** C-01's setup: created, not started. */
const createCu: Step[] = [created(['create', '--name', 'spec-c', '-v', 'spec-cu:/data', 'spec-full', 'true'])];
const modifyCu: Step = run('run', '--rm', '-v', 'spec-cu:/data', 'busybox', 'sh', '-c', 'cd /data && echo changed > hello.txt && rm link && echo new > new');

const cases: Case[] = [
  {
    id: 'C-01', title: 'populated at create: owners, modes, symlink; file mtime kept, directory mtime = copy time', runc: true,
    steps: [
      host('case start time', (ctx) => {
        ctx.vars.set('t0', String(Math.floor(Date.now() / 1000) - 2));
      }),
      ...createCu,
      volumeHoldsData('spec-cu'),
      { cli: ['run', '--rm', 'spec-full', 'stat', '-c', '%Y', '/data/hello.txt'], save: 'imgmtime' },
      outText(['run', '--rm', '-v', 'spec-cu:/x', 'busybox', 'stat', '-c', '%Y %Y', '/x/hello.txt', '/x/sub'], (a, ctx: Ctx) => {
        const [file, dir] = a.trim().split('\n').map((l) => Number(l.split(' ')[0]));
        assert.equal(String(file), ctx.v('imgmtime'), 'hello.txt keeps the image mtime');
        assert.ok((dir ?? 0) >= Number(ctx.v('t0')), `sub's mtime ${dir} is the copy time (>= ${ctx.v('t0')})`);
      }),
    ],
  },
  {
    id: 'C-02', title: 'a modified volume is not copied again',
    setup: [...createCu, modifyCu],
    steps: [out(['run', '--rm', '-v', 'spec-cu:/data', 'spec-full', 'sh', '-c', 'ls -A /data; cat /data/hello.txt'], 'hello.txt', 'new', 'sub', 'changed')],
  },
  {
    id: 'C-03', title: 'a non-empty volume mounted over another image path is untouched',
    setup: [...createCu, modifyCu],
    steps: [out(['run', '--rm', '-v', 'spec-cu:/etc/app', 'spec-full', 'ls', '-A', '/etc/app'], 'hello.txt', 'new', 'sub')],
  },
  {
    id: 'C-04', title: 'an emptied volume is populated again, from another path, root owner/mode included', runc: true,
    setup: [...createCu, modifyCu, emptyVolume('spec-cu')],
    steps: [
      outText(['run', '--rm', '-v', 'spec-cu:/etc/app', 'spec-full', 'ls', '-lan', '/etc/app'], ls('drwxr-xr-x 0 0 .', 'drwxr-xr-x 0 0 ..', '-rw-r--r-- 0 0 8 app.conf')),
      out(['run', '--rm', '-v', 'spec-cu:/x', 'busybox', 'cat', '/x/app.conf'], 'appconf'),
    ],
  },
  {
    id: 'C-05', title: 'no copy at start: emptied after create, empty at every start',
    steps: [
      created(['create', '--name', 'spec-c', '-v', 'spec-csv:/data', 'spec-full', 'ls', '-A', '/data']),
      out(['run', '--rm', '-v', 'spec-csv:/x', 'busybox', 'ls', '-A', '/x'], 'hello.txt', 'link', 'sub'),
      emptyVolume('spec-csv'),
      out(['start', '-a', 'spec-c']),
      out(['start', '-a', 'spec-c']),
    ],
  },
  { id: 'C-06', title: ':nocopy leaves the volume empty, root 0 0 755', runc: true, steps: [run('run', '--rm', '-v', 'spec-nc:/data:nocopy', 'spec-full', 'true'), volumeEmpty('spec-nc')] },
  {
    id: 'C-07', title: 'volume-nocopy leaves the volume empty',
    steps: [out(['run', '--rm', '--mount', 'type=volume,src=spec-nc2,dst=/data,volume-nocopy', 'spec-full', 'ls', '-A', '/data']), volumeEmpty('spec-nc2')],
  },
  {
    id: 'C-08', title: 'a later mount without nocopy populates the still-empty volume',
    setup: [run('run', '--rm', '-v', 'spec-nc:/data:nocopy', 'spec-full', 'true')],
    steps: [out(['run', '--rm', '-v', 'spec-nc:/data', 'spec-full', 'ls', '-A', '/data'], 'hello.txt', 'link', 'sub'), volumeHoldsData('spec-nc')],
  },
  {
    id: 'C-09', title: 'a path not in the image: nothing copied, mount points created root 0755', runc: true,
    steps: [
      outText(['run', '--rm', '-v', 'spec-np:/newpath/deep', 'spec-full', 'sh', '-c', 'ls -lnd /newpath /newpath/deep; ls -A /newpath/deep'],
        ls('drwxr-xr-x 0 0 /newpath', 'drwxr-xr-x 0 0 /newpath/deep')),
      volumeEmpty('spec-np'),
    ],
  },
  {
    id: 'C-10', title: 'an image file as a volume target: create fails, the volume stays',
    steps: [
      runErr(['run', '--rm', '-v', 'spec-file:/file.txt', 'spec-full', 'true'], pat('source <root>/...file.txt is not directory')),
      out(['volume', 'ls', '-q', '--filter', 'name=spec-file'], 'spec-file'),
    ],
  },
  {
    id: 'C-11', title: 'an image file as a nocopy volume target: the runtime refuses', runc: true,
    steps: [runErr(['run', '--rm', '-v', 'spec-file:/file.txt:nocopy', 'spec-full', 'true'], pat(`...not a directory...: unknown: ${MOUNT_TYPE_HINT}`))],
  },
  {
    id: 'C-12', title: 'no copy into a bind', runc: true,
    steps: [
      mkdir('emptybind'),
      out(['run', '--rm', '-v', '$W/emptybind:/data', 'spec-full', 'ls', '-A', '/data']),
      host('$W/emptybind is still empty', (ctx) => assert.deepEqual(readdirSync(join(ctx.W, 'emptybind')), [])),
    ],
  },
  {
    id: 'C-13', title: 'an anonymous --mount volume is populated',
    steps: [out(['run', '--rm', '--mount', 'type=volume,dst=/data', 'spec-full', 'ls', '-A', '/data'], 'hello.txt', 'link', 'sub')],
  },
  {
    id: 'C-14', title: 'a read-only volume is still populated', runc: true,
    steps: [out(['run', '--rm', '-v', 'spec-rocu:/data:ro', 'spec-full', 'ls', '-A', '/data'], 'hello.txt', 'link', 'sub'), volumeHoldsData('spec-rocu')],
  },
  {
    id: 'C-15', title: 'an empty image directory still gives the volume root its owner and mode',
    steps: [created(['create', '--name', 'spec-c', '-v', 'spec-ed:/emptyd', 'spec-emptyd', 'true']), volumeEmpty('spec-ed', 'drwx------ 1234 5678')],
  },
  {
    id: 'C-16', title: 'a bind-backed local volume: the copy lands in the host directory', runc: true,
    steps: [
      mkdir('bindsrc'),
      run('volume', 'create', '-o', 'type=none', '-o', 'o=bind', '-o', 'device=$W/bindsrc', 'spec-bindvol'),
      outText(['run', '--rm', '-v', 'spec-bindvol:/data', 'spec-full', 'ls', '-lan', '/data'],
        ls('drwxr-x--- 1000 1000 .', 'drwxr-xr-x 0 0 ..', '-rw-r----- 1001 1002 11 hello.txt', 'lrwxrwxrwx 0 0 9 link -> hello.txt', 'drwxr-xr-x 1000 1000 sub')),
      host('$W/bindsrc holds the copy, 1000:1000 0750', (ctx) => {
        const st = statSync(join(ctx.W, 'bindsrc'));
        assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [1000, 1000, 0o750]);
        assert.deepEqual(readdirSync(join(ctx.W, 'bindsrc')).sort(), ['hello.txt', 'link', 'sub']);
      }),
      out(['volume', 'rm', 'spec-bindvol'], 'spec-bindvol'),
      host('volume rm leaves the host files', (ctx) => assert.deepEqual(readdirSync(join(ctx.W, 'bindsrc')).sort(), ['hello.txt', 'link', 'sub'])),
    ],
  },
  {
    id: 'C-17', title: 'a tmpfs local volume: the copy went into a tmpfs that was unmounted',
    steps: [
      run('volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', 'spec-tmpfsvol'),
      outText(['run', '--rm', '-v', 'spec-tmpfsvol:/data', 'spec-full', 'ls', '-lan', '/data'], ls('drwxrwxrwt 0 0 .', 'drwxr-xr-x 0 0 ..')),
    ],
  },
  {
    id: 'C-18', title: 'a bind-backed local volume whose device is missing fails at create (127)',
    steps: [
      run('volume', 'create', '-o', 'type=none', '-o', 'o=bind', '-o', 'device=$W/nonexist', 'spec-bindvol2'),
      runErr(['run', '--rm', '-v', 'spec-bindvol2:/data', 'spec-full', 'true'],
        'failed to mount local volume: mount $W/nonexist:<root>/volumes/spec-bindvol2/_data, flags: 0x1000: no such file or directory', 127),
    ],
  },
  {
    id: 'C-19', title: 'image VOLUMEs: /data populated, /empty-vol created empty 0 0 755; --volumes-from sees them', runc: true,
    steps: [
      created(['create', '--name', 'spec-src', 'spec-vol']),
      outText(['run', '--rm', '--volumes-from', 'spec-src', 'spec-full', 'sh', '-c', 'ls -A /data; ls -lnd /empty-vol; ls -A /empty-vol'],
        ls('hello.txt', 'link', 'sub', 'drwxr-xr-x 0 0 /empty-vol')),
    ],
  },
];


runTable('§5 copy-up', cases, { fixtures: { emptyd: true } });

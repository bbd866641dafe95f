import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { apparentSize } from '../lib/disk-usage.js';
import { makeHeader } from '../storage/archive/tar-format.js';
import { encodeTar, tarStream, type TarWriteEntry } from '../storage/archive/tar-writer.js';
import { readTar } from '../storage/archive/tar-reader.js';
import { ContainerLayers } from '../storage/layers/container-layers.js';
import { LayerStore } from '../storage/layers/layer-store.js';
import { busyboxRootfsTar, mountPoints, tempDir } from '../storage/layers/test-support.js';
import { ImageService, type ContainerUse } from './image-service.js';

async function collect(src: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of src) out.push(Buffer.from(c));
  return Buffer.concat(out);
}
const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const file = (name: string, content: string): TarWriteEntry => ({
  header: makeHeader({ name, type: 'file', size: Buffer.byteLength(content), mtime: 1600000000 }),
  body: Buffer.from(content),
});

interface Engine {
  root: string;
  layers: LayerStore;
  images: ImageService;
  uses: Map<string, ContainerUse[]>;
}

async function engine(root: string): Promise<Engine> {
  const layers = new LayerStore(root);
  await layers.init();
  const uses = new Map<string, ContainerUse[]>();
  const images = new ImageService({ root, layers, containersUsingImage: (id) => uses.get(id) ?? [] });
  await images.init();
  return { root, layers, images, uses };
}

const CHANGES = [
  'CMD ["sh"]',
  'ENV A=1 B="x y"',
  'EXPOSE 80 443/udp',
  'LABEL a=b',
  'VOLUME /data',
  'WORKDIR /w',
  'USER nobody',
  'ENTRYPOINT echo hi',
];

describe('images', () => {
  const tmp = tempDir('images');
  let e: Engine;
  let bbTar: string;
  let bbId = '';

  before(async () => {
    e = await engine(join(tmp.path, 'a'));
    bbTar = busyboxRootfsTar();
  });
  after(() => tmp.remove());

  it('imports a busybox rootfs with --change lines into Docker-shaped config', async () => {
    const { id } = await e.images.importImage(createReadStream(bbTar), { repoTag: 'bb:1', changes: CHANGES, message: 'my msg' });
    bbId = id;
    const raw = e.images.store.getConfig(id);
    assert.ok(raw);
    assert.equal(sha(raw), id);
    const cfg = JSON.parse(raw.toString()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(cfg), ['architecture', 'comment', 'config', 'container_config', 'created', 'history', 'os', 'rootfs']);
    assert.deepEqual(cfg['rootfs'], { type: 'layers', diff_ids: [sha(readFileSync(bbTar))] });
    const ins = e.images.inspectImage('bb:1');
    assert.equal(ins.Id, id);
    assert.deepEqual(ins.RepoTags, ['bb:1']);
    assert.equal(ins.Comment, 'my msg');
    assert.equal(ins.Os, 'linux');
    assert.deepEqual(ins.Config?.Cmd, ['sh']);
    assert.deepEqual(ins.Config?.Entrypoint, ['/bin/sh', '-c', 'echo hi']);
    assert.deepEqual(ins.Config?.Env, ['A=1', 'B=x y']);
    assert.deepEqual(ins.Config?.ExposedPorts, { '443/udp': {}, '80/tcp': {} });
    assert.deepEqual(ins.Config?.Volumes, { '/data': {} });
    assert.equal(ins.Config?.WorkingDir, '/w');
    assert.equal(ins.Config?.User, 'nobody');
    assert.deepEqual(ins.Config?.Labels, { a: 'b' });
    assert.equal(ins.ContainerConfig.Volumes, null); // present: compose reads it
    assert.deepEqual(Object.keys(ins), [
      'Id', 'RepoTags', 'RepoDigests', 'Parent', 'Comment', 'Created', 'Container', 'ContainerConfig', 'DockerVersion',
      'Author', 'Config', 'Architecture', 'Os', 'Size', 'VirtualSize', 'GraphDriver', 'RootFS', 'Metadata',
    ]);
    assert.equal(ins.Size, await apparentSize(e.layers.get(ins.RootFS.Layers[0] ?? '').diffPath));
    assert.notEqual(ins.Metadata.LastTagTime, '0001-01-01T00:00:00Z');
    // Lookups by id, short id, full name.
    assert.equal(e.images.getImage(id).id, id);
    assert.equal(e.images.getImage(id.slice(7, 19)).id, id);
    assert.equal(e.images.getImage('docker.io/library/bb:1').id, id);
    const h = e.images.history('bb:1');
    assert.equal(h.length, 1);
    assert.equal(h[0]?.Id, id);
    assert.deepEqual(h[0]?.Tags, ['bb:1']);
    assert.equal(h[0]?.Comment, 'my msg');
    assert.equal(h[0]?.Size, ins.Size);
  });

  it('shares the layer between plain and gzip imports of the same tar', async () => {
    const { id } = await e.images.importImage(Readable.from([gzipSync(readFileSync(bbTar))]), { repoTag: 'bbgz' });
    assert.notEqual(id, bbId);
    assert.deepEqual(e.images.inspectImage('bbgz').RootFS, e.images.inspectImage('bb:1').RootFS);
    assert.equal((await e.layers.list()).length, 1);
    assert.equal(e.images.inspectImage(id).Comment, 'Imported from -');
    assert.deepEqual(e.images.inspectImage('bbgz:latest').RepoTags, ['bbgz:latest']);
  });

  it('imports the same tarball concurrently into one shared layer', async () => {
    const layersBefore = (await e.layers.list()).length;
    const results = await Promise.all(
      [1, 2, 3].map((i) => e.images.importImage(createReadStream(bbTar), { repoTag: `conc:${i}`, message: `m${i}` })),
    );
    assert.equal(new Set(results.map((r) => r.id)).size, 3);
    assert.equal((await e.layers.list()).length, layersBefore);
    assert.deepEqual(readdirSync(e.layers.layout.tmpDir), []);
    for (const i of [1, 2, 3]) await e.images.removeImage(`conc:${i}`);
    assert.equal((await e.layers.list()).length, layersBefore);
  });

  it('reports bad tarballs like docker and accepts an empty one', async () => {
    const junk = Buffer.alloc(2000, 0x41);
    await assert.rejects(e.images.importImage(Readable.from([junk]), { repoTag: 'junk:1' }), {
      message: 'Error processing tar file(exit status 1): archive/tar: invalid tar header',
    });
    await assert.rejects(e.images.importImage(Readable.from([junk]), { repoTag: 'x', changes: ['RUN x'] }), {
      message: 'run is not a valid change command',
    });
    await assert.rejects(e.images.importImage(Readable.from([junk]), { repoTag: `x@sha256:${'a'.repeat(64)}` }), {
      message: 'cannot import digest reference',
    });
    const { id } = await e.images.importImage(Readable.from([Buffer.alloc(0)]), { repoTag: 'empty:1' });
    assert.deepEqual(e.images.inspectImage(id).RootFS.Layers, [sha(Buffer.alloc(0))]);
    assert.equal(e.images.inspectImage(id).Size, 0);
    await e.images.removeImage('empty:1');
    assert.deepEqual(readdirSync(e.layers.layout.tmpDir), []);
  });

  it('lists, filters and tags like docker', async () => {
    const list = e.images.listImages();
    assert.equal(list.length, 2);
    assert.deepEqual(list.map((i) => i.RepoTags), [['bbgz:latest'], ['bb:1']]);
    assert.deepEqual(list[1]?.Labels, { a: 'b' });
    await e.images.tagImage('bb:1', 'me/other', 'v2');
    assert.deepEqual(e.images.inspectImage(bbId).RepoTags, ['bb:1', 'me/other:v2']);
    const f = (k: string, v: string): Map<string, string[]> => new Map([[k, [v]]]);
    assert.deepEqual(e.images.listImages({ filters: f('reference', 'me/*') }).map((i) => i.RepoTags), [['me/other:v2']]);
    assert.deepEqual(e.images.listImages({ filters: f('label', 'a=b') }).map((i) => i.Id), [bbId]);
    assert.deepEqual(e.images.listImages({ filters: f('dangling', 'true') }), []);
    assert.throws(() => e.images.listImages({ filters: f('bogus', 'x') }), { message: "Invalid filter 'bogus'" });
    await assert.rejects(e.images.tagImage('nope', 'x', '1'), { message: 'No such image: nope:latest', kind: 'notFound' } as object);
    await assert.rejects(e.images.tagImage('bb:1', 'Bad', '1'), {
      message: 'invalid reference format: repository name must be lowercase',
    });
    await assert.rejects(e.images.tagImage('bb:1', 'x', 'bad:tag'), { message: 'invalid tag format' });
    assert.throws(() => e.images.inspectImage('nope'), { message: 'no such image: nope: No such image: nope:latest' });
    assert.throws(() => e.images.inspectImage('sha256:abcdef12'), {
      message: 'no such image: sha256:abcdef12: No such image: sha256:abcdef12',
    });
    assert.throws(() => e.images.history('nope'), { message: 'No such image: nope:latest' });
  });

  it('saves and loads back to the same image id', async () => {
    const archive = await collect(await e.images.saveImages(['bb:1']));
    const names: string[] = [];
    for await (const entry of readTar(Readable.from([archive]))) {
      names.push(entry.header.name);
      for await (const c of entry.body()) void c;
    }
    assert.ok(names.includes('manifest.json') && names.includes('repositories'));
    assert.ok(names.includes(`${bbId.slice(7)}.json`));
    assert.equal(names.filter((n) => n.endsWith('/layer.tar')).length, 1);
    const b = await engine(join(tmp.path, 'b'));
    const r = await b.images.loadImages(Readable.from([archive]));
    assert.deepEqual(r.images, [{ id: bbId, tags: ['bb:1'] }]);
    assert.deepEqual(r.messages, ['Loaded image: bb:1']);
    assert.deepEqual(b.images.inspectImage('bb:1').Config, e.images.inspectImage('bb:1').Config);
    assert.equal(b.images.inspectImage('bb:1').Size, e.images.inspectImage('bb:1').Size);
    // Loading again over a tag that points elsewhere says so; gzip archives load too.
    await e.images.tagImage('bbgz', 'bb', '1');
    const again = await collect(await e.images.saveImages(['bb']));
    const r2 = await b.images.loadImages(Readable.from([gzipSync(again)]));
    assert.equal(r2.messages[0], `The image bb:1 already exists, renaming the old one with ID ${bbId} to empty string`);
    assert.equal(b.images.getImage('bb:1').id, e.images.getImage('bbgz').id);
    await e.images.tagImage(bbId, 'bb', '1');
    // Untagged image: saved by id, loaded as "Loaded image ID".
    const byId = await collect(await e.images.saveImages([bbId]));
    const c = await engine(join(tmp.path, 'c'));
    const r3 = await c.images.loadImages(Readable.from([byId]));
    assert.deepEqual(r3.messages, [`Loaded image ID: ${bbId}`]);
    await assert.rejects(e.images.saveImages(['nope']), { message: 'No such image: nope' });
    await assert.rejects(e.images.saveImages(['nope:1']), { message: 'reference does not exist' });
  });

  it('refuses an archive whose layer does not match its diff-id', async () => {
    const layer = await collect(encodeTar([file('x', 'real')]));
    const config = Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [`sha256:${'1'.repeat(64)}`] } }),
    );
    const archive = await collect(
      tarStream([
        { header: makeHeader({ name: 'l/layer.tar', type: 'file', size: layer.length }), body: layer },
        { header: makeHeader({ name: 'c.json', type: 'file', size: config.length }), body: config },
        file('manifest.json', JSON.stringify([{ Config: 'c.json', RepoTags: ['bad:1'], Layers: ['l/layer.tar'] }])),
      ]),
    );
    const before = e.images.listImages().length;
    await assert.rejects(e.images.loadImages(Readable.from([archive])), {
      message: `invalid diffID for layer 0: expected "sha256:${'1'.repeat(64)}", got "${sha(layer)}"`,
    });
    assert.equal(e.images.listImages().length, before);
    assert.equal(e.layers.has(sha(layer)), false);
  });

  it('loads an OCI image layout with gzip layers', async () => {
    const l1 = await collect(encodeTar([file('etc/one', '1')]));
    const l2 = await collect(encodeTar([file('etc/two', '2'), file('etc/.wh.one', '')]));
    const blobs = new Map<string, Buffer>();
    const put = (b: Buffer): { digest: string; size: number } => {
      blobs.set(sha(b), b);
      return { digest: sha(b), size: b.length };
    };
    const g1 = put(gzipSync(l1));
    const g2 = put(gzipSync(l2));
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Cmd: ['/bin/sh'], Env: ['PATH=/bin'] },
        rootfs: { type: 'layers', diff_ids: [sha(l1), sha(l2)] },
        history: [{ created: '2024-01-01T00:00:00Z', created_by: 'one' }, { created: '2024-01-02T00:00:00Z', created_by: 'two' }],
        created: '2024-01-02T00:00:00Z',
      }),
    );
    const c = put(config);
    const manifest = put(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...c },
          layers: [g1, g2].map((g) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...g })),
        }),
      ),
    );
    const index = {
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          annotations: { 'io.containerd.image.name': 'docker.io/library/ocitest:2', 'org.opencontainers.image.ref.name': '2' },
        },
      ],
    };
    const entries: TarWriteEntry[] = [file('oci-layout', '{"imageLayoutVersion":"1.0.0"}'), file('index.json', JSON.stringify(index))];
    for (const [d, b] of blobs) {
      entries.push({ header: makeHeader({ name: `blobs/sha256/${d.slice(7)}`, type: 'file', size: b.length }), body: b });
    }
    const r = await e.images.loadImages(tarStream(entries));
    assert.deepEqual(r.messages, ['Loaded image: ocitest:2']);
    const ins = e.images.inspectImage('ocitest:2');
    assert.equal(ins.Id, sha(config));
    assert.deepEqual(ins.RootFS.Layers, [sha(l1), sha(l2)]);
    assert.deepEqual(ins.Config?.Cmd, ['/bin/sh']);
    assert.equal(ins.ContainerConfig.Image, '');
    const h = e.images.history('ocitest:2');
    assert.deepEqual(h.map((x) => x.CreatedBy), ['two', 'one']);
    assert.deepEqual(h.map((x) => x.Id), [ins.Id, '<missing>']);
    // The image mounts: the upper layer's whiteout hides etc/one.
    const mounts = mountPoints(tmp.path);
    const ctrs = new ContainerLayers(e.layers);
    const p = await ctrs.prepareContainerRootfs('oci1', ins.RootFS.Layers);
    try {
      assert.equal(readFileSync(join(p.merged, 'etc/two'), 'utf8'), '2');
      assert.throws(() => readFileSync(join(p.merged, 'etc/one')));
    } finally {
      await ctrs.removeContainerLayer('oci1');
    }
    assert.deepEqual(mountPoints(tmp.path), mounts);
  });

  it('removes images with Docker conflict rules and deletes unused layers', async () => {
    const { id } = await e.images.importImage(encodeTar([file('only-here', 'x')]), { repoTag: 'rm:1' });
    await e.images.tagImage('rm:1', 'rm', '2');
    const layer = e.images.getImage(id).diffIds[0] ?? '';
    // Two tags: untag only.
    assert.deepEqual(await e.images.removeImage('rm:2'), [{ Untagged: 'rm:2' }]);
    e.uses.set(id, [{ id: 'c0ffee0123456789', running: false }]);
    await assert.rejects(e.images.removeImage('rm:1'), {
      message: `conflict: unable to remove repository reference "rm:1" (must force) - container c0ffee012345 is using its referenced image ${id.slice(7, 19)}`,
      kind: 'conflict',
    } as object);
    await assert.rejects(e.images.removeImage(id.slice(7, 19)), {
      message: `conflict: unable to delete ${id.slice(7, 19)} (must be forced) - image is being used by stopped container c0ffee012345`,
    });
    e.uses.set(id, [{ id: 'c0ffee0123456789', running: true }]);
    await assert.rejects(e.images.removeImage(id, { force: true }), {
      message: `conflict: unable to delete ${id.slice(7, 19)} (cannot be forced) - image is being used by running container c0ffee012345`,
    });
    e.uses.delete(id);
    await e.images.tagImage('rm:1', 'other-repo', '1');
    await assert.rejects(e.images.removeImage(id.slice(7, 19)), {
      message: `conflict: unable to delete ${id.slice(7, 19)} (must be forced) - image is referenced in multiple repositories`,
    });
    assert.deepEqual(await e.images.removeImage(id.slice(7, 19), { force: true }), [
      { Untagged: 'other-repo:1' },
      { Untagged: 'rm:1' },
      { Deleted: id },
      { Deleted: layer },
    ]);
    assert.equal(e.layers.has(layer), false);
    assert.throws(() => e.images.getImage(id), { message: `No such image: ${id}` });
    await assert.rejects(e.images.removeImage('nope:1'), { message: 'No such image: nope:1' });
    // A shared layer stays while another image uses it.
    const before = (await e.layers.list()).length;
    const gzId = e.images.getImage('bbgz').id;
    assert.deepEqual(await e.images.removeImage('bbgz'), [{ Untagged: 'bbgz:latest' }, { Deleted: gzId }]);
    assert.equal((await e.layers.list()).length, before);
  });
});


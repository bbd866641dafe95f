/** `images` / `image ls`: one row per repository:tag (docker's imageContext), dangling images as <none>. */
import type { ImageSummary } from '../../client/images.js';
import { humanSize, humanSizeWithPrecision } from '../../domain/units.js';
import type { Command } from '../command.js';
import { FILTER_FLAG, filtersToMap } from '../opts.js';
import { renderList, type FormatRow } from '../render.js';
import { imagesApi } from './container-common.js';
import { goTimeString, humanSince, truncateId } from './format-helpers.js';
import { familiarName, parseNormalizedNamed } from './image-reference.js';

const DEFAULT_TABLE = 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
const DEFAULT_TABLE_DIGEST = 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';

export const IMAGE_HEADERS: Record<string, string> = {
  ID: 'IMAGE ID',
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  Digest: 'DIGEST',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  Size: 'SIZE',
  Containers: 'CONTAINERS',
  VirtualSize: 'SIZE',
  SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE',
};

function isDangling(img: ImageSummary): boolean {
  const tags = img.RepoTags ?? [];
  const digests = img.RepoDigests ?? [];
  if (tags.length === 0 && digests.length === 0) return true;
  return tags.length === 1 && tags[0] === '<none>:<none>' && digests.length === 1 && digests[0] === '<none>@<none>';
}

function imageRow(img: ImageSummary, repo: string, tag: string, digest: string, trunc: boolean, now: number): FormatRow {
  const size = img.Size;
  const shared = img.SharedSize ?? -1;
  return {
    typeName: '*formatter.imageContext',
    headers: IMAGE_HEADERS,
    fields: {
      ID: trunc ? truncateId(img.Id) : img.Id,
      Repository: repo,
      Tag: tag,
      Digest: digest,
      CreatedSince: humanSince(img.Created, now),
      CreatedAt: goTimeString(img.Created),
      Size: humanSizeWithPrecision(size, 3),
      Containers: img.Containers === undefined || img.Containers === -1 ? 'N/A' : String(img.Containers),
      VirtualSize: humanSize(size),
      SharedSize: shared === -1 ? 'N/A' : humanSize(shared),
      UniqueSize: size === -1 || shared === -1 ? 'N/A' : humanSize(size - shared),
    },
    methods: {
      Label: (name: string) => img.Labels?.[name] ?? '',
    },
  };
}

/** imageFormatTaggedAndDigest: rows per repository and tag; digests only when asked for. */
export function imageRows(images: readonly ImageSummary[], opts: { trunc: boolean; digests: boolean; wantDigest: boolean }): FormatRow[] {
  const now = Date.now();
  const rows: FormatRow[] = [];
  for (const img of images) {
    if (isDangling(img)) {
      rows.push(imageRow(img, '<none>', '<none>', '<none>', opts.trunc, now));
      continue;
    }
    const repoTags = new Map<string, string[]>();
    const repoDigests = new Map<string, string[]>();
    for (const t of img.RepoTags ?? []) {
      try {
        const ref = parseNormalizedNamed(t);
        if (ref.tag === undefined) continue;
        const name = familiarName(ref);
        repoTags.set(name, [...(repoTags.get(name) ?? []), ref.tag]);
      } catch {
        /* unparsable references are skipped, as docker does */
      }
    }
    for (const d of img.RepoDigests ?? []) {
      try {
        const ref = parseNormalizedNamed(d);
        if (ref.digest === undefined) continue;
        const name = familiarName(ref);
        repoDigests.set(name, [...(repoDigests.get(name) ?? []), ref.digest]);
      } catch {
        /* skipped */
      }
    }
    for (const [repo, tags] of repoTags) {
      const digests = opts.wantDigest ? (repoDigests.get(repo) ?? []) : [];
      repoDigests.delete(repo);
      for (const tag of tags) {
        if (digests.length === 0) rows.push(imageRow(img, repo, tag, '<none>', opts.trunc, now));
        for (const d of digests) rows.push(imageRow(img, repo, tag, d, opts.trunc, now));
      }
    }
    for (const [repo, digests] of repoDigests) {
      if (opts.digests) for (const d of digests) rows.push(imageRow(img, repo, '<none>', d, opts.trunc, now));
      else rows.push(imageRow(img, repo, '<none>', '', opts.trunc, now));
    }
  }
  return rows;
}

export const imagesCommand: Command = {
  name: 'images',
  usage: '[OPTIONS] [REPOSITORY[:TAG]]',
  short: 'List images',
  args: { max: 1 },
  flags: [
    { name: 'all', short: 'a', kind: 'bool', description: 'Show all images (default hides intermediate images)' },
    { name: 'digests', kind: 'bool', description: 'Show digests' },
    { ...FILTER_FLAG, description: 'Filter output based on conditions provided' },
    {
      name: 'format',
      kind: 'string',
      description:
        "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.",
    },
    { name: 'no-trunc', kind: 'bool', description: "Don't truncate output" },
    { name: 'quiet', short: 'q', kind: 'bool', description: 'Only show image IDs' },
  ],
  async run(ctx) {
    const f = ctx.flags;
    const filters = filtersToMap(f.strings('filter'));
    const match = ctx.args[0];
    if (match !== undefined) filters.set('reference', [...(filters.get('reference') ?? []), match]);
    const api = await imagesApi(ctx);
    const images = await api.list({ all: f.bool('all'), filters });
    const digests = f.bool('digests');
    let format = f.string('format') ?? '';
    if (format === '' || format === 'table') format = 'table';
    else if (format.startsWith('table') && digests && !format.includes('{{.Digest}}')) format += '\t{{.Digest}}';
    const wantDigest = digests || format.includes('{{.Digest}}');
    const quiet = f.bool('quiet');
    ctx.io.stdout.write(
      renderList({
        format: format === 'table' ? undefined : format,
        // A custom format wins over -q for images (NewImageFormat).
        quiet: quiet && format === 'table',
        quietTemplate: '{{.ID}}',
        defaultTable: digests ? DEFAULT_TABLE_DIGEST : DEFAULT_TABLE,
        rows: imageRows(images, { trunc: !f.bool('no-trunc'), digests, wantDigest }),
        headersOnly: IMAGE_HEADERS,
      }),
    );
  },
};

/** `image ls` is `images` with another name. */
export const imageLsCommand: Command = { ...imagesCommand, name: 'ls', aliases: ['list'], usage: '[OPTIONS] [REPOSITORY[:TAG]]' };

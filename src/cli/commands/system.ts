/** `version`, `info`, `system df`. */
import { SystemApi } from '../../client/system.js';
import { ApiError } from '../../client/api-client.js';
import type { Command, CommandContext } from '../command.js';
import { CLIENT_MAX_API_VERSION } from '../connect.js';
import { formatFlag } from '../opts.js';
import { renderList, renderTemplate } from '../render.js';
import { humanSize } from '../../domain/units.js';
import { VOLUME_HEADERS, volumeRow } from './volume-rows.js';

export const versionCommand: Command = {
  name: 'version',
  usage: '[OPTIONS]',
  short: 'Show the ballast version information',
  args: { max: 0 },
  flags: [formatFlag('Format output using a custom template', 'f')],
  async run(ctx) {
    const client = await ctx.client();
    const v = await new SystemApi(client).version();
    const format = ctx.flags.string('format');
    const data = {
      Client: { Version: ctxVersion(ctx), ApiVersion: client.apiVersion, Os: 'linux', Arch: v.Arch ?? '' },
      Server: v,
    };
    if (format) {
      ctx.io.stdout.write(renderTemplate(format, data) + '\n');
      return;
    }
    const negotiated = client.apiVersion === CLIENT_MAX_API_VERSION ? client.apiVersion : `${client.apiVersion} (downgraded from ${CLIENT_MAX_API_VERSION})`;
    ctx.io.stdout.write(
      [
        'Client:',
        ` Version:           ${ctxVersion(ctx)}`,
        ` API version:       ${negotiated}`,
        ` Node version:      ${process.version}`,
        ` OS/Arch:           linux/${v.Arch ?? ''}`,
        '',
        'Server: ballast',
        ' Engine:',
        `  Version:          ${v.Version}`,
        `  API version:      ${v.ApiVersion} (minimum version ${v.MinAPIVersion ?? ''})`,
        `  Runtime:          ${v.GoVersion ?? ''}`,
        `  OS/Arch:          ${v.Os ?? ''}/${v.Arch ?? ''}`,
        `  Kernel:           ${v.KernelVersion ?? ''}`,
        '',
      ].join('\n'),
    );
  },
};

function ctxVersion(ctx: CommandContext): string {
  return ctx.env['BALLAST_CLI_VERSION'] ?? '';
}

export const infoCommand: Command = {
  name: 'info',
  usage: '[OPTIONS]',
  short: 'Display system-wide information',
  args: { max: 0 },
  flags: [formatFlag('Format output using a custom template', 'f')],
  async run(ctx) {
    const info = await new SystemApi(await ctx.client()).info();
    const format = ctx.flags.string('format');
    if (format) {
      ctx.io.stdout.write(renderTemplate(format, info) + '\n');
      return;
    }
    const get = (k: string) => String(info[k] ?? '');
    ctx.io.stdout.write(
      [
        'Server:',
        ` Containers: ${get('Containers')}`,
        `  Running: ${get('ContainersRunning')}`,
        `  Paused: ${get('ContainersPaused')}`,
        `  Stopped: ${get('ContainersStopped')}`,
        ` Images: ${get('Images')}`,
        ` Server Version: ${get('ServerVersion')}`,
        ` Storage Driver: ${get('Driver')}`,
        ` Default Runtime: ${get('DefaultRuntime')}`,
        ` Kernel Version: ${get('KernelVersion')}`,
        ` Operating System: ${get('OperatingSystem')}`,
        ` CPUs: ${get('NCPU')}`,
        ` Total Memory: ${humanSize(Number(info['MemTotal'] ?? 0))}`,
        ` Name: ${get('Name')}`,
        ` Root Dir: ${get('DockerRootDir')}`,
        '',
      ].join('\n'),
    );
  },
};

const df: Command = {
  name: 'df',
  usage: '[OPTIONS]',
  short: 'Show docker disk usage',
  args: { max: 0 },
  flags: [
    formatFlag('Format output using a custom template'),
    { name: 'verbose', short: 'v', kind: 'bool', description: 'Show detailed information on space usage' },
  ],
  async run(ctx) {
    let usage;
    try {
      usage = await new SystemApi(await ctx.client()).df();
    } catch (e) {
      if (e instanceof ApiError) throw e;
      throw e;
    }
    const vols = usage.Volumes ?? [];
    const total = vols.reduce((s, v) => s + Math.max(0, v.UsageData?.Size ?? 0), 0);
    const active = vols.filter((v) => (v.UsageData?.RefCount ?? 0) > 0).length;
    const reclaimable = vols
      .filter((v) => (v.UsageData?.RefCount ?? 0) === 0)
      .reduce((s, v) => s + Math.max(0, v.UsageData?.Size ?? 0), 0);
    const format = ctx.flags.string('format');
    if (ctx.flags.bool('verbose')) {
      const rows = vols.map((v) =>
        volumeRow(v, { links: String(v.UsageData?.RefCount ?? 0), size: humanSize(v.UsageData?.Size ?? 0) }),
      );
      if (format && !format.startsWith('table')) {
        ctx.io.stdout.write(renderTemplate(format, { Volumes: rows.map((r) => r.fields), Images: [], Containers: [], BuildCache: [] }) + '\n');
        return;
      }
      let out = 'Images space usage:\n\n';
      out += renderList({ format: 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}', rows: [], headersOnly: IMAGE_HEADERS });
      out += '\nContainers space usage:\n\n';
      out += renderList({ format: 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}', rows: [], headersOnly: CONTAINER_HEADERS });
      out += '\nLocal Volumes space usage:\n\n';
      out += renderList({ format: 'table {{.Name}}\t{{.Links}}\t{{.Size}}', rows, headersOnly: VOLUME_HEADERS });
      out += '\nBuild cache usage: 0B\n\n';
      out += renderList({ format: 'table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}', rows: [], headersOnly: BUILD_CACHE_HEADERS });
      ctx.io.stdout.write(out);
      return;
    }
    const pct = (part: number, whole: number) => (whole > 0 ? `${humanSize(part)} (${Math.floor((part / whole) * 100)}%)` : humanSize(part));
    const summary = [
      { Type: 'Images', TotalCount: '0', Active: '0', Size: '0B', Reclaimable: '0B' },
      { Type: 'Containers', TotalCount: '0', Active: '0', Size: '0B', Reclaimable: '0B' },
      { Type: 'Local Volumes', TotalCount: String(vols.length), Active: String(active), Size: humanSize(total), Reclaimable: pct(reclaimable, total) },
      { Type: 'Build Cache', TotalCount: '0', Active: '0', Size: '0B', Reclaimable: '0B' },
    ];
    ctx.io.stdout.write(
      renderList({
        format: format ?? 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}',
        rows: summary.map((s) => ({ typeName: '*formatter.diskUsageContext', headers: DF_HEADERS, fields: s })),
      }),
    );
  },
};

const DF_HEADERS = { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' };
const IMAGE_HEADERS = { Repository: 'REPOSITORY', Tag: 'TAG', ID: 'IMAGE ID', CreatedSince: 'CREATED', Size: 'SIZE', SharedSize: 'SHARED SIZE', UniqueSize: 'UNIQUE SIZE', Containers: 'CONTAINERS' };
const CONTAINER_HEADERS = { ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', LocalVolumes: 'LOCAL VOLUMES', Size: 'SIZE', RunningFor: 'CREATED', Status: 'STATUS', Names: 'NAMES' };
const BUILD_CACHE_HEADERS = { ID: 'CACHE ID', CacheType: 'CACHE TYPE', Size: 'SIZE', CreatedSince: 'CREATED', LastUsedSince: 'LAST USED', UsageCount: 'USAGE', Shared: 'SHARED' };

export const systemCommand: Command = {
  name: 'system',
  usage: 'COMMAND',
  short: 'Manage ballast',
  subcommands: [df, { ...infoCommand }],
};

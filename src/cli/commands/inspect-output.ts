/**
 * Printing inspect results the way the docker CLI does (cli/command/inspect):
 * without --format the daemon's raw JSON is joined into an array and indented
 * with Go's json.Indent (so key order and escapes like \u003c survive);
 * `--format json` compacts it; any other format is a template per object.
 */
import { CliError, type CommandContext } from '../command.js';
import { FormatError, renderInspect, type InspectOptions } from '../render.js';

export interface Inspected {
  raw: Buffer;
  value: unknown;
  /** The Go type docker decodes this object into, when it has one. */
  typed?: InspectOptions;
}

const WS = new Set([' ', '\t', '\n', '\r']);

/** Go's json.Indent with prefix "" (empty objects/arrays stay "{}"/"[]"). */
export function goJsonIndent(src: string, indent = '    '): string {
  let out = '';
  let depth = 0;
  let needIndent = false;
  let inString = false;
  let escaped = false;
  const newline = (d: number) => '\n' + indent.repeat(d);
  for (const c of src) {
    if (inString) {
      out += c;
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (WS.has(c)) continue;
    if (needIndent && c !== '}' && c !== ']') {
      needIndent = false;
      depth++;
      out += newline(depth);
    }
    if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '{' || c === '[') {
      needIndent = true;
      out += c;
    } else if (c === ',') {
      out += c + newline(depth);
    } else if (c === ':') {
      out += ': ';
    } else if (c === '}' || c === ']') {
      if (needIndent) needIndent = false;
      else {
        depth--;
        out += newline(depth);
      }
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

/** Go's json.Compact. */
export function goJsonCompact(src: string): string {
  let out = '';
  let inString = false;
  let escaped = false;
  for (const c of src) {
    if (inString) {
      out += c;
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (!WS.has(c)) out += c;
  }
  return out;
}

/** The Go types of container.Config fields that JSON may leave null (docker decodes into typed structs). */
function configShape(prefix: string): Record<string, string> {
  return {
    [`${prefix}.Cmd`]: '[]string',
    [`${prefix}.Entrypoint`]: '[]string',
    [`${prefix}.Env`]: '[]string',
    [`${prefix}.OnBuild`]: '[]string',
    [`${prefix}.Shell`]: '[]string',
    [`${prefix}.Labels`]: 'map[string]string',
    [`${prefix}.Volumes`]: 'map[string]struct {}',
    [`${prefix}.Volumes.*`]: 'struct {}',
    [`${prefix}.ExposedPorts`]: 'map[nat.Port]struct {}',
    [`${prefix}.ExposedPorts.*`]: 'struct {}',
    [`${prefix}.Healthcheck`]: '*container.HealthConfig',
    [`${prefix}.StopTimeout`]: '*int',
  };
}

/** container.InspectResponse, as far as nil-able fields go. */
export const CONTAINER_INSPECT: InspectOptions = {
  typeName: 'container.InspectResponse',
  shape: {
    Args: '[]string',
    ExecIDs: '[]string',
    SizeRw: '*int64',
    SizeRootFs: '*int64',
    'State.Health': '*container.Health',
    Mounts: '[]container.MountPoint',
    'GraphDriver.Data': 'map[string]string',
    ...configShape('Config'),
    'HostConfig.Binds': '[]string',
    'HostConfig.CapAdd': '[]string',
    'HostConfig.CapDrop': '[]string',
    'HostConfig.Dns': '[]string',
    'HostConfig.DnsOptions': '[]string',
    'HostConfig.DnsSearch': '[]string',
    'HostConfig.ExtraHosts': '[]string',
    'HostConfig.GroupAdd': '[]string',
    'HostConfig.Links': '[]string',
    'HostConfig.VolumesFrom': '[]string',
    'HostConfig.SecurityOpt': '[]string',
    'HostConfig.MaskedPaths': '[]string',
    'HostConfig.ReadonlyPaths': '[]string',
    'HostConfig.Mounts': '[]mount.Mount',
    'HostConfig.Tmpfs': 'map[string]string',
    'HostConfig.Sysctls': 'map[string]string',
    'HostConfig.StorageOpt': 'map[string]string',
    'HostConfig.PortBindings': 'map[nat.Port][]nat.PortBinding',
    'HostConfig.PortBindings.*': '[]nat.PortBinding',
    'HostConfig.PortBindings.*[]': 'nat.PortBinding',
    'HostConfig.LogConfig.Config': 'map[string]string',
    'HostConfig.Init': '*bool',
    'NetworkSettings.Ports': 'map[nat.Port][]nat.PortBinding',
    'NetworkSettings.Ports.*': '[]nat.PortBinding',
    'NetworkSettings.Ports.*[]': 'nat.PortBinding',
    'NetworkSettings.Networks': 'map[string]*network.EndpointSettings',
    'NetworkSettings.Networks.*.Aliases': '[]string',
    'NetworkSettings.Networks.*.Links': '[]string',
    'NetworkSettings.Networks.*.DNSNames': '[]string',
    'NetworkSettings.Networks.*.DriverOpts': 'map[string]string',
    'NetworkSettings.Networks.*.IPAMConfig': '*network.EndpointIPAMConfig',
  },
};

/** image.InspectResponse. */
export const IMAGE_INSPECT: InspectOptions = {
  typeName: 'image.InspectResponse',
  shape: {
    RepoTags: '[]string',
    RepoDigests: '[]string',
    'RootFS.Layers': '[]string',
    'GraphDriver.Data': 'map[string]string',
    ...configShape('Config'),
    ...configShape('ContainerConfig'),
  },
};

/**
 * One object through a template. docker runs it on the typed Go struct and
 * falls back to the raw JSON map (missingkey=error) for fields the struct does
 * not have; the raw map with the struct's nil-able fields typed and its absent
 * fields filled in (the shape) behaves the same for the fields that exist.
 */
function renderOne(format: string | undefined, value: unknown, typed: InspectOptions | undefined): string {
  return renderInspect(format, [value], typed?.shape ? { shape: typed.shape } : {});
}

/** The raw JSON output (no format, or `json`) for the found objects. */
function formatRaw(format: string | undefined, items: readonly Inspected[]): string {
  if (items.length === 0) return '[]\n';
  const joined = `[${items.map((i) => i.raw.toString('utf8')).join(',')}]`;
  return (format === 'json' ? goJsonCompact(joined) : goJsonIndent(joined)) + '\n';
}

function isRawFormat(format: string | undefined): boolean {
  return format === undefined || format === '' || format === 'json';
}

/**
 * Inspects each reference with `get` and prints like inspect.Inspect: a template
 * that does not parse fails first (exit 64); lookup and template errors are
 * collected per reference, in order, and reported after the output (exit 1).
 */
export async function inspectEach(
  ctx: CommandContext,
  refs: readonly string[],
  get: (ref: string) => Promise<Inspected>,
  describe: (ref: string, e: unknown) => string,
): Promise<number> {
  const format = ctx.flags.string('format');
  // Parses the template (throws FormatError 64) before anything is looked up.
  if (!isRawFormat(format)) renderInspect(format, []);
  const found: Inspected[] = [];
  const errors: string[] = [];
  let text = '';
  for (const ref of refs) {
    let item: Inspected;
    try {
      item = await get(ref);
    } catch (e) {
      errors.push(describe(ref, e));
      continue;
    }
    found.push(item);
    if (isRawFormat(format)) continue;
    try {
      text += renderOne(format, item.value, item.typed);
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      errors.push(e.message);
    }
  }
  if (isRawFormat(format)) text = formatRaw(format, found);
  else if (text === '') text = '\n';
  ctx.io.stdout.write(text);
  if (errors.length > 0) throw new CliError(errors.join('\n'), 1);
  return 0;
}

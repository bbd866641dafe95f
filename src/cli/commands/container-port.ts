/** `port`: the published ports of a container, from its inspect NetworkSettings.Ports. */
import { CliError, type Command } from '../command.js';
import { naturalLess } from '../natural-sort.js';
import { containersApi, errorText } from './container-common.js';

function joinHostPort(host: string, port: string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export const portCommand: Command = {
  name: 'port',
  usage: 'CONTAINER [PRIVATE_PORT[/PROTO]]',
  short: 'List port mappings or a specific mapping for the container',
  args: { min: 1, max: 2 },
  async run(ctx) {
    const api = await containersApi(ctx);
    const [name, spec] = ctx.args as [string, string | undefined];
    let c;
    try {
      c = await api.inspect(name);
    } catch (e) {
      throw new CliError(errorText(e), 1);
    }
    // A daemon that reports no port map is shown as having no published ports.
    const ports = c.NetworkSettings?.Ports ?? {};
    const out: string[] = [];
    if (spec !== undefined) {
      const slash = spec.indexOf('/');
      const port = slash < 0 ? spec : spec.slice(0, slash);
      const proto = slash < 0 || spec.slice(slash + 1) === '' ? 'tcp' : spec.slice(slash + 1);
      if (!/^\d+$/.test(port) || Number(port) > 65535) {
        const why = /^\d+$/.test(port) ? 'value out of range' : 'invalid syntax';
        throw new CliError(`Error: invalid port (${port}): strconv.ParseUint: parsing "${port}": ${why}`, 1);
      }
      const frontends = ports[`${port}/${proto}`];
      if (!frontends || frontends.length === 0) throw new CliError(`Error: No public port '${spec}' published for ${name}`, 1);
      for (const fe of frontends) out.push(joinHostPort(fe.HostIp, fe.HostPort));
    } else {
      for (const [from, frontends] of Object.entries(ports)) {
        for (const fe of frontends ?? []) out.push(`${from} -> ${joinHostPort(fe.HostIp, fe.HostPort)}`);
      }
    }
    if (out.length > 0) {
      out.sort((a, b) => (naturalLess(a, b) ? -1 : naturalLess(b, a) ? 1 : 0));
      ctx.io.stdout.write(`${out.join('\n')}\n`);
    }
  },
};

/**
 * `docker import --change` / `docker commit --change`: Dockerfile instructions
 * applied to a container config, after moby's builder/dockerfile
 * BuildFromConfig. Accepted: CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL,
 * ONBUILD, USER, VOLUME, WORKDIR. Word processing (quotes, escapes, $VAR,
 * ${VAR:-x}, ${VAR:+x}) uses the config's environment as it stands before
 * each instruction, as Docker's does.
 */
import { EngineError } from '../domain/errors.js';
import type { DockerContainerConfig, HealthConfig } from './image-config.js';

const VALID = new Set(['cmd', 'entrypoint', 'env', 'expose', 'healthcheck', 'label', 'onbuild', 'user', 'volume', 'workdir']);

const bad = (message: string): EngineError => new EngineError('invalidArgument', message);

/** Apply change lines in order to a copy of `base`. */
export function applyChanges(base: DockerContainerConfig, changes: readonly string[]): DockerContainerConfig {
  const cfg: DockerContainerConfig = structuredClone(base);
  for (const change of changes) {
    for (const line of change.split('\n')) {
      const trimmed = line.trim();
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      const m = /^(\S+)\s*([\s\S]*)$/.exec(trimmed);
      if (!m) continue;
      const keyword = (m[1] ?? '').toLowerCase();
      const rest = m[2] ?? '';
      if (!VALID.has(keyword)) throw bad(`${keyword} is not a valid change command`);
      dispatch(cfg, keyword, rest, trimmed);
    }
  }
  return cfg;
}

function dispatch(cfg: DockerContainerConfig, keyword: string, rest: string, original: string): void {
  const env = envMap(cfg.Env);
  const word = (w: string): string => processWord(w, env);
  switch (keyword) {
    case 'cmd':
      cfg.Cmd = commandForm(rest);
      return;
    case 'entrypoint':
      cfg.Entrypoint = rest.trim() === '' ? null : commandForm(rest);
      return;
    case 'env':
      for (const [k, v] of nameValues(rest, 'ENV')) {
        const key = word(k);
        const value = word(v);
        const list = cfg.Env ?? [];
        const i = list.findIndex((e) => e.split('=')[0] === key);
        if (i >= 0) list[i] = `${key}=${value}`;
        else list.push(`${key}=${value}`);
        cfg.Env = list;
      }
      return;
    case 'label': {
      const pairs = nameValues(rest, 'LABEL');
      if (pairs.length === 0) throw bad('LABEL requires at least one argument');
      for (const [k, v] of pairs) {
        const key = word(k);
        if (key === '') throw bad('LABEL names can not be blank');
        cfg.Labels = { ...(cfg.Labels ?? {}), [key]: word(v) };
      }
      return;
    }
    case 'expose': {
      const specs = parseWords(rest).map(word);
      if (specs.length === 0) throw bad('EXPOSE requires at least one argument');
      const ports = { ...(cfg.ExposedPorts ?? {}) };
      for (const spec of specs) for (const p of parsePortSpec(spec)) ports[p] = {};
      cfg.ExposedPorts = ports;
      return;
    }
    case 'user': {
      const args = parseWords(rest);
      if (args.length !== 1) throw bad('USER requires exactly one argument');
      cfg.User = word(args[0] ?? '');
      return;
    }
    case 'workdir': {
      const args = parseWords(rest);
      if (args.length !== 1) throw bad('WORKDIR requires exactly one argument');
      const requested = word(args[0] ?? '');
      if (requested === '') throw bad('cannot normalize nothing');
      cfg.WorkingDir = cleanPath(requested.startsWith('/') ? requested : `/${cfg.WorkingDir}/${requested}`);
      return;
    }
    case 'volume': {
      const json = parseJsonList(rest);
      const list = (json ?? parseWords(rest)).map(word);
      if (list.length === 0) throw bad('VOLUME requires at least one argument');
      const vols = { ...(cfg.Volumes ?? {}) };
      for (const v of list) {
        const t = v.trim();
        if (t === '') throw bad('VOLUME specified can not be an empty string');
        vols[t] = {};
      }
      cfg.Volumes = vols;
      return;
    }
    case 'onbuild': {
      const expr = original.replace(/^\s*onbuild\s*/i, '').trim();
      const trigger = (expr.split(/\s+/)[0] ?? '').toUpperCase();
      if (trigger === '') throw bad('ONBUILD requires at least one argument');
      if (trigger === 'ONBUILD') throw bad("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
      if (trigger === 'FROM' || trigger === 'MAINTAINER') throw bad(`${trigger} isn't allowed as an ONBUILD trigger`);
      cfg.OnBuild = [...(cfg.OnBuild ?? []), expr];
      return;
    }
    case 'healthcheck':
      cfg.Healthcheck = parseHealthcheck(rest);
      return;
  }
}

function envMap(env: string[] | null): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of env ?? []) {
    const i = e.indexOf('=');
    if (i > 0) m.set(e.slice(0, i), e.slice(i + 1));
  }
  return m;
}

/** JSON array of strings, or undefined when the text is not one (then it is the shell form). */
function parseJsonList(rest: string): string[] | undefined {
  const t = rest.trim();
  if (!t.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    /* shell form */
  }
  return undefined;
}

function commandForm(rest: string): string[] {
  return parseJsonList(rest) ?? ['/bin/sh', '-c', rest.trim()];
}

/** KEY value (legacy) or KEY=value KEY2="v 2" … (moby parser.parseNameVal). */
function nameValues(rest: string, keyword: string): Array<[string, string]> {
  const words = parseWords(rest);
  if (words.length === 0) return [];
  if (!(words[0] ?? '').includes('=')) {
    const parts = rest.trim().split(/\s+/);
    if (parts.length < 2) throw bad(`${keyword} must have two arguments`);
    const key = parts[0] ?? '';
    return [[key, rest.trim().slice(key.length).trim()]];
  }
  return words.map((w) => {
    const i = w.indexOf('=');
    if (i < 0) throw bad(`Syntax error - can't find = in ${JSON.stringify(w)}. Must be of the form: name=value`);
    return [w.slice(0, i), w.slice(i + 1)];
  });
}

/** moby parser.parseWords: split on blanks outside quotes; quotes and escapes are kept for processWord. */
export function parseWords(rest: string): string[] {
  const words: string[] = [];
  let word = '';
  let blankOk = false;
  let quote = '';
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  const chars = [...rest];
  for (let i = 0; i <= chars.length; i++) {
    const end = i === chars.length;
    const ch = chars[i] ?? '';
    if (phase === 'spaces') {
      if (end) break;
      if (/\s/.test(ch)) continue;
      phase = 'word';
    }
    if (end) {
      if (blankOk || word.length > 0) words.push(word);
      break;
    }
    if (phase === 'word') {
      if (/\s/.test(ch)) {
        phase = 'spaces';
        if (blankOk || word.length > 0) words.push(word);
        word = '';
        blankOk = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOk = true;
        phase = 'quote';
      }
      if (ch === '\\') {
        if (i + 1 === chars.length) continue;
        word += ch;
        i++;
        word += chars[i] ?? '';
        continue;
      }
      word += ch;
      continue;
    }
    // in quotes
    if (ch === quote) phase = 'word';
    if (ch === '\\' && quote !== "'") {
      if (i + 1 === chars.length) {
        phase = 'word';
        continue;
      }
      word += ch;
      i++;
      word += chars[i] ?? '';
      continue;
    }
    word += ch;
  }
  return words;
}

/** Shell-style word processing: quotes removed, escapes applied, variables expanded. */
export function processWord(w: string, env: ReadonlyMap<string, string>): string {
  let out = '';
  const chars = [...w];
  let i = 0;
  const expand = (): string => {
    // at chars[i] === '$'
    i++;
    const c = chars[i];
    if (c === '{') {
      i++;
      let name = '';
      while (i < chars.length && /[A-Za-z0-9_]/.test(chars[i] ?? '')) name += chars[i++];
      let result = env.get(name) ?? '';
      if (chars[i] === ':' && (chars[i + 1] === '-' || chars[i + 1] === '+')) {
        const op = chars[i + 1];
        i += 2;
        let word = '';
        let depth = 0;
        while (i < chars.length && !(chars[i] === '}' && depth === 0)) {
          if (chars[i] === '{') depth++;
          if (chars[i] === '}') depth--;
          word += chars[i++];
        }
        const alt = processWord(word, env);
        const set = env.has(name) && (env.get(name) ?? '') !== '';
        result = op === '-' ? (set ? result : alt) : set ? alt : '';
      }
      if (chars[i] !== '}') throw bad(`failed to process "${w}": missing '}'`);
      i++;
      return result;
    }
    if (c !== undefined && /[A-Za-z_]/.test(c)) {
      let name = '';
      while (i < chars.length && /[A-Za-z0-9_]/.test(chars[i] ?? '')) name += chars[i++];
      return env.get(name) ?? '';
    }
    return '$';
  };
  while (i < chars.length) {
    const c = chars[i] as string;
    if (c === "'") {
      i++;
      while (i < chars.length && chars[i] !== "'") out += chars[i++];
      i++;
      continue;
    }
    if (c === '"') {
      i++;
      while (i < chars.length && chars[i] !== '"') {
        const d = chars[i] as string;
        if (d === '\\' && i + 1 < chars.length && /["$\\`]/.test(chars[i + 1] ?? '')) {
          out += chars[i + 1];
          i += 2;
          continue;
        }
        if (d === '$') {
          out += expand();
          continue;
        }
        out += d;
        i++;
      }
      i++;
      continue;
    }
    if (c === '\\') {
      if (i + 1 < chars.length) out += chars[i + 1];
      i += 2;
      continue;
    }
    if (c === '$') {
      out += expand();
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** nat.ParsePortSpecs for EXPOSE: "80", "80/udp", "8000-8002/tcp". */
function parsePortSpec(spec: string): string[] {
  let proto = 'tcp';
  let ports = spec;
  const slash = spec.lastIndexOf('/');
  if (slash >= 0) {
    proto = spec.slice(slash + 1).toLowerCase();
    ports = spec.slice(0, slash);
  }
  // ip:hostPort:containerPort → the container part is what is exposed
  const colon = ports.lastIndexOf(':');
  if (colon >= 0) ports = ports.slice(colon + 1);
  if (!['tcp', 'udp', 'sctp'].includes(proto)) throw bad(`Invalid proto: ${proto}`);
  const m = /^(\d+)(?:-(\d+))?$/.exec(ports);
  if (!m) throw bad(`Invalid containerPort: ${ports}`);
  const start = Number(m[1]);
  const end = m[2] !== undefined ? Number(m[2]) : start;
  if (start > 65535 || end > 65535) throw bad(`Invalid containerPort: ${ports}`);
  if (end < start) throw bad(`Invalid range specified for the Port: ${ports}`);
  const out: string[] = [];
  for (let p = start; p <= end; p++) out.push(`${p}/${proto}`);
  return out;
}

function cleanPath(p: string): string {
  const parts: string[] = [];
  for (const s of p.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') parts.pop();
    else parts.push(s);
  }
  return `/${parts.join('/')}`;
}

const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go time.ParseDuration, to nanoseconds. */
function parseDuration(s: string, flag: string): number {
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * (DURATION_UNITS[m[2] ?? 's'] ?? 1);
    matched = re.lastIndex;
  }
  if (s === '' || matched !== s.length) throw bad(`invalid argument "${s}" for "--${flag}" flag: time: invalid duration "${s}"`);
  return Math.round(total);
}

function parseHealthcheck(rest: string): HealthConfig {
  let text = rest.trim();
  const hc: HealthConfig = {};
  for (;;) {
    const m = /^--([a-z-]+)=(\S*)\s*/.exec(text);
    if (!m) break;
    const [, flag = '', value = ''] = m;
    text = text.slice(m[0].length);
    if (flag === 'interval') hc.Interval = parseDuration(value, flag);
    else if (flag === 'timeout') hc.Timeout = parseDuration(value, flag);
    else if (flag === 'start-period') hc.StartPeriod = parseDuration(value, flag);
    else if (flag === 'retries') {
      if (!/^\d+$/.test(value)) throw bad(`invalid argument "${value}" for "--retries" flag`);
      hc.Retries = Number(value);
    } else throw bad(`Unknown flag: ${flag}`);
  }
  const m = /^(\S+)\s*([\s\S]*)$/.exec(text);
  const type = (m?.[1] ?? '').toUpperCase();
  if (type === 'NONE') {
    if ((m?.[2] ?? '').trim() !== '') throw bad('HEALTHCHECK NONE takes no arguments');
    return { Test: ['NONE'] };
  }
  if (type !== 'CMD') throw bad(`Unknown type "${type}" in HEALTHCHECK (try CMD)`);
  const cmd = m?.[2] ?? '';
  const json = parseJsonList(cmd);
  hc.Test = json ? ['CMD', ...json] : ['CMD-SHELL', cmd.trim()];
  return { Test: hc.Test, ...withoutTest(hc) };
}

function withoutTest(hc: HealthConfig): HealthConfig {
  const { Test: _t, ...rest } = hc;
  void _t;
  return rest;
}

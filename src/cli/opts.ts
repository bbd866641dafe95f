/** Value parsers and validators for docker's typed flags (labels, maps, filters). */
import type { FlagSpec } from './flags.js';

/** --label k=v | k (docker's ValidateLabel). */
export function validateLabel(v: string): void {
  const key = v.split('=')[0] ?? '';
  if (key.trim() === '') throw new Error(`invalid label '${v}': empty name`);
}

export function labelsToMap(values: string[]): Record<string, string> | undefined {
  if (values.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq < 0) out[v] = '';
    else out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

/** -o k=v (a map flag: no validation on the client; "k" alone means k=""). */
export const mapToObject = labelsToMap;

/** --filter name=value */
export function validateFilter(v: string): void {
  if (!v.includes('=')) throw new Error('bad format of filter (expected name=value)');
}

export function filtersToMap(values: string[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const v of values) {
    const eq = v.indexOf('=');
    const k = v.slice(0, eq).trim().toLowerCase();
    const list = m.get(k) ?? [];
    list.push(v.slice(eq + 1));
    m.set(k, list);
  }
  return m;
}

export const FILTER_FLAG: FlagSpec = {
  name: 'filter',
  short: 'f',
  kind: 'stringArray',
  typeName: 'filter',
  description: "Provide filter values (e.g. 'dangling=true')",
  validate: validateFilter,
};

export const FORCE_FLAG: FlagSpec = { name: 'force', short: 'f', kind: 'bool', description: 'Do not prompt for confirmation' };

export const QUIET_FLAG: FlagSpec = { name: 'quiet', short: 'q', kind: 'bool', description: 'Only display names' };

export function formatFlag(description: string, short?: string): FlagSpec {
  return short
    ? { name: 'format', short, kind: 'string', description }
    : { name: 'format', kind: 'string', description };
}

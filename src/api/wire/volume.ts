/** Domain volumes → Docker's JSON (key order as dockerd 20.10 writes it). */
import type { Volume } from '../../domain/volume.js';

export interface WireVolume {
  CreatedAt: string;
  Driver: string;
  Labels: Record<string, string> | null;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string> | null;
  Scope: 'local';
  UsageData?: { Size: number; RefCount: number };
}

/** RFC 3339 at second precision in the daemon's local zone, as Go's time.Format(time.RFC3339). */
export function rfc3339Seconds(ms: number): string {
  const d = new Date(ms);
  const offsetMin = -d.getTimezoneOffset();
  const local = new Date(ms + offsetMin * 60_000);
  const base = local.toISOString().slice(0, 19);
  if (offsetMin === 0) return `${base}Z`;
  const sign = offsetMin > 0 ? '+' : '-';
  const abs = Math.abs(offsetMin);
  return `${base}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

export function toWireVolume(v: Volume, mountpoint: string): WireVolume {
  return {
    CreatedAt: rfc3339Seconds(v.createdAt),
    Driver: v.driver,
    Labels: v.labels === null ? null : { ...v.labels },
    Mountpoint: mountpoint,
    Name: v.name,
    Options: v.options === null ? null : { ...v.options },
    Scope: 'local',
  };
}

/** Volumes are immutable values: their JSON is computed once per object. */
const jsonCache = new WeakMap<Volume, string>();

export function wireVolumeJson(v: Volume, mountpoint: string): string {
  let json = jsonCache.get(v);
  if (json === undefined) {
    json = JSON.stringify(toWireVolume(v, mountpoint));
    jsonCache.set(v, json);
  }
  return json;
}

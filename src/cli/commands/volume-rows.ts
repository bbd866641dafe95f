/** The docker CLI's volumeContext: the fields a `volume ls --format` template can use. */
import type { VolumeJson } from '../../client/volumes.js';
import type { FormatRow } from '../render.js';

export const VOLUME_HEADERS: Record<string, string> = {
  Name: 'VOLUME NAME',
  Driver: 'DRIVER',
  Scope: 'SCOPE',
  Mountpoint: 'MOUNTPOINT',
  Labels: 'LABELS',
  Links: 'LINKS',
  Size: 'SIZE',
  Group: 'GROUP',
  Availability: 'AVAILABILITY',
  Status: 'STATUS',
};

function joinLabels(labels: Record<string, string> | null): string {
  return Object.entries(labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export function volumeRow(v: VolumeJson, usage?: { links: string; size: string }): FormatRow {
  return {
    typeName: '*formatter.volumeContext',
    headers: VOLUME_HEADERS,
    fields: {
      Name: v.Name,
      Driver: v.Driver,
      Scope: v.Scope,
      Mountpoint: v.Mountpoint,
      Labels: joinLabels(v.Labels),
      Links: usage?.links ?? 'N/A',
      Size: usage?.size ?? 'N/A',
      Group: 'N/A',
      Availability: 'N/A',
      Status: 'N/A',
    },
    methods: {
      Label: (name: string) => v.Labels?.[name] ?? '',
    },
  };
}

/** Defaults and environment shared by ballastd and ballast. */
export const BALLAST_VERSION = '0.1.0';
export const DEFAULT_ROOT = '/var/lib/ballast';
export const DEFAULT_HOST = 'unix:///run/ballast/ballast.sock';

/** unix:///path → /path. Only unix sockets are served. */
export function socketPathOf(host: string): string {
  if (host.startsWith('unix://')) return host.slice('unix://'.length);
  if (host.startsWith('/')) return host;
  throw new Error(`unsupported host "${host}": ballast serves unix sockets only (unix:///path)`);
}

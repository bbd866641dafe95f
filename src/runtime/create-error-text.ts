/**
 * The text of a failed `create`, framed as dockerd shows it:
 *   failed to create shim task: OCI runtime create failed: <runtime's message>: unknown
 * runc logs its error as a logrus line (time="…" level=error msg="…"); the
 * quoted msg is what dockerd passes on, unescaped. crun prints plain text.
 */
const LOGRUS_MSG = /level=error msg="((?:[^"\\]|\\.)*)"/;

export function dockerCreateErrorText(runtime: string, raw: string): string {
  const text = raw.trim();
  const m = LOGRUS_MSG.exec(text);
  let detail: string;
  if (m) {
    detail = (m[1] ?? '').replace(/\\(["\\])/g, '$1');
  } else {
    // crun: "crun: <message>" or just "<message>"; keep the last non-empty line.
    const last = text.split('\n').filter((l) => l.trim()).pop() ?? text;
    detail = `${runtime} create failed: ${last.replace(/^(crun|runc):\s*/, '')}`;
  }
  if (!detail.endsWith(': unknown')) detail = `${detail}: unknown`;
  return `failed to create shim task: OCI runtime create failed: ${detail}`;
}

/** Exec endpoints, typed (engine-api-surface §2.4). */
import type { Socket } from 'node:net';
import type { ApiClient } from './api-client.js';

export interface ExecCreateBody {
  User: string;
  Privileged: boolean;
  Tty: boolean;
  ConsoleSize?: [number, number];
  AttachStdin: boolean;
  AttachStderr: boolean;
  AttachStdout: boolean;
  Detach: boolean;
  DetachKeys: string;
  Env: string[] | null;
  WorkingDir: string;
  Cmd: string[];
}

export interface ExecInspect {
  ID: string;
  Running: boolean;
  ExitCode: number | null;
  Pid?: number;
  ContainerID?: string;
}

export class ExecApi {
  constructor(readonly client: ApiClient) {}

  create(container: string, body: ExecCreateBody): Promise<{ Id: string }> {
    return this.client.call('POST', `/containers/${encodeURIComponent(container)}/exec`, { body });
  }

  /** Detached start: a plain request, no stream. */
  async startDetached(id: string, tty: boolean): Promise<void> {
    await this.client.callStatus('POST', `/exec/${encodeURIComponent(id)}/start`, { body: { Detach: true, Tty: tty } });
  }

  /** Attached start: JSON body and Upgrade: tcp; resolves with the raw socket after 101. */
  start(id: string, tty: boolean, consoleSize?: [number, number]): Promise<{ socket: Socket; head: Buffer }> {
    const body: Record<string, unknown> = { Detach: false, Tty: tty };
    if (consoleSize) body['ConsoleSize'] = consoleSize;
    return this.client.hijack('POST', `/exec/${encodeURIComponent(id)}/start`, { body });
  }

  async resize(id: string, height: number, width: number): Promise<void> {
    await this.client.callStatus('POST', `/exec/${encodeURIComponent(id)}/resize`, { query: { h: height, w: width } });
  }

  inspect(id: string): Promise<ExecInspect> {
    return this.client.call('GET', `/exec/${encodeURIComponent(id)}/json`);
  }
}

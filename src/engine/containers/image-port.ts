/** What the container use cases need from the image store. */
export interface ImageConfigView {
  Cmd?: string[] | null;
  Entrypoint?: string[] | null;
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
  Volumes?: Record<string, object> | null;
  ExposedPorts?: Record<string, object> | null;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  Hostname?: string;
  [key: string]: unknown;
}

export interface ResolvedImage {
  /** sha256:<hex> */
  id: string;
  config: ImageConfigView;
  /** rootfs.diff_ids, bottom layer first. */
  diffIds: string[];
}

export interface ImagePort {
  /** Throws EngineError notFound "No such image: <ref>" when missing. */
  resolve(ref: string): Promise<ResolvedImage>;
}

/** Public surface of the images package. */
export {
  ImageService,
  bufferSource,
  type ContainerUse,
  type ImageDeleteItem,
  type ImageHistoryItem,
  type ImageInspect,
  type ImageServiceOptions,
  type ImageSummary,
  type ImportOptions,
  type LoadResult,
  type ResolvedImage,
} from './image-service.js';
export { FileImageStore, type ImageMeta, type ImageStore } from './image-store.js';
export {
  emptyContainerConfig,
  normalizeContainerConfig,
  chainIds,
  type DockerContainerConfig,
  type HealthConfig,
  type HistoryEntry,
  type ImageConfigJson,
} from './image-config.js';
export { applyChanges } from './dockerfile-changes.js';
export {
  familiarMatch,
  familiarName,
  familiarString,
  fullName,
  fullString,
  parseAnyReference,
  parseNormalizedNamed,
  ReferenceError,
  withDefaultTag,
  withTag,
  type AnyReference,
  type ImageRef,
} from './reference.js';

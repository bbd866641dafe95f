/** Public surface of the layer store. */
export {
  LayerStore,
  LayerDigestMismatch,
  type LayerHandle,
  type LayerInfo,
  type LayerMeta,
  type LayerStoreOptions,
  type UnpackOptions,
} from './layer-store.js';
export { ContainerLayers, type ContainerRootfs } from './container-layers.js';
export {
  containerChanges,
  CHANGE_KIND_CODE,
  DOCKER_INIT_PATHS,
  type Change,
  type ChangeKind,
  type ChangesOptions,
  type LowerLayer,
} from './changes.js';
export { LayerLayout, hexOf } from './layout.js';

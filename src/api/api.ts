/** Wires every route group onto one router for the daemon. */
import type { Engine } from '../engine/engine.js';
import { Router } from './router.js';
import { systemRoutes, type SystemInfo } from './routes/system.js';
import { volumeRoutes } from './routes/volumes.js';
import { containerRoutes } from './routes/containers.js';
import { execRoutes } from './routes/exec.js';
import { archiveRoutes } from './routes/archive.js';
import { imageRoutes } from './routes/images.js';
import { networkRoutes } from './routes/networks.js';

export function buildRouter(engine: Engine, info: SystemInfo): Router {
  const router = new Router();
  systemRoutes(router, engine, info);
  volumeRoutes(router, engine);
  containerRoutes(router, engine);
  execRoutes(router, engine);
  archiveRoutes(router, engine);
  imageRoutes(router, engine);
  networkRoutes(router, engine); // issue 6
  return router;
}

/** Wires every route group onto one router for the daemon. */
import type { Engine } from '../engine/engine.js';
import { Router } from './router.js';
import { systemRoutes, type SystemInfo } from './routes/system.js';
import { volumeRoutes } from './routes/volumes.js';
import { backupRoutes } from './routes/backup.js';
import { containerRoutes } from './routes/containers.js';
import { execRoutes } from './routes/exec.js';
import { archiveRoutes } from './routes/archive.js';
import { imageRoutes } from './routes/images.js';
import { networkRoutes } from './routes/networks.js';
import { commitRoutes } from './routes/commit.js';

export function buildRouter(engine: Engine, info: SystemInfo): Router {
  const router = new Router();
  systemRoutes(router, engine, info);
  volumeRoutes(router, engine);
  backupRoutes(router, engine, info.version); // issue 5: /ballast/volumes/… backup extensions
  containerRoutes(router, engine);
  execRoutes(router, engine);
  archiveRoutes(router, engine);
  imageRoutes(router, engine);
  networkRoutes(router, engine); // issue 6
  commitRoutes(router, engine); // docker commit, docker export
  return router;
}

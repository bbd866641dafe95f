/** Wires every route group onto one router for the daemon. */
import type { Engine } from '../engine/engine.js';
import { Router } from './router.js';
import { systemRoutes, type SystemInfo } from './routes/system.js';
import { volumeRoutes } from './routes/volumes.js';

export function buildRouter(engine: Engine, info: SystemInfo): Router {
  const router = new Router();
  systemRoutes(router, engine, info);
  volumeRoutes(router, engine);
  return router;
}

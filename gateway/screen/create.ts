import { join } from 'node:path';
import type { GatewayConfig } from '../../config/schema.js';
import type { HealthHandler } from '../health/endpoints.js';
import type { Logger } from '../log.js';
import { screenTlsOptions } from '../tls/listener-options.js';
import { ScreenServer, type ScreenBackend, type ScreenOptions } from './server.js';

/** The ward screen of the `screen:` section, serving `backend` and, on the same port, the health endpoints. */
export function createWardScreen(
  c: GatewayConfig,
  profiles: ScreenOptions['profiles'],
  limitOverrides: ScreenOptions['limitOverrides'],
  backend: ScreenBackend,
  health: HealthHandler,
  log: Logger,
  security?: ScreenOptions['security'],
  technicalLabels?: ScreenOptions['technicalLabels'],
): ScreenServer {
  return new ScreenServer({
    host: c.screen.host,
    port: c.screen.port,
    staff: c.screen.staff,
    sessionHours: c.screen.sessionHours,
    readOnlyView: c.screen.readOnlyView,
    allowedOrigins: c.screen.allowedOrigins,
    beds: c.beds,
    profiles,
    limitOverrides,
    technicalLabels,
    display: c.screen,
    sessionKeyFile: join(c.dataDir, 'screen-session.key'),
    backend,
    health,
    log: log.child({ module: 'screen' }),
    tls: screenTlsOptions(c.screen),
    ...(security ? { security } : {}),
  });
}

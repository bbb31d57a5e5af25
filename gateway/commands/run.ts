import { ConfigError, EXIT_CONFIG, loadConfig } from '../../config/load.js';
import type { GatewayConfig } from '../../config/schema.js';
import { Gateway } from '../daemon.js';
import { defaultDriverFactories } from '../drivers.js';
import { createLogger, type Logger } from '../log.js';

/** Loads the config or exits 78 with one clear message naming the bad field(s). */
export function loadConfigOrExit(path: string | undefined): GatewayConfig {
  try {
    return loadConfig(path);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`wardgate: ${err.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    throw err;
  }
}

const SHUTDOWN_LIMIT_MS = 5000;

/** Stops `stop` on SIGTERM/SIGINT, exiting 0 when done or 1 if it takes longer than 5 s. */
export function onShutdownSignals(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown took longer than 5 s; exiting');
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS);
    force.unref();
    stop().then(
      () => {
        log.flush?.();
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

export async function runGateway(configPath: string | undefined): Promise<void> {
  const config = loadConfigOrExit(configPath);
  const log = createLogger(config.log.level);
  const gateway = new Gateway({ config, log, driverFactories: defaultDriverFactories() });
  onShutdownSignals(log, () => gateway.stop());
  try {
    await gateway.start();
  } catch (err) {
    log.fatal({ err }, 'start-up failed');
    await gateway.stop().catch(() => undefined);
    process.exit(1);
  }
}

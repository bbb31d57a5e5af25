import { ConfigError, EXIT_CONFIG, loadConfig } from '../../config/load.js';
import type { GatewayConfig } from '../../config/schema.js';
import { Gateway } from '../daemon.js';
import { defaultDriverFamilies } from '../drivers.js';
import { createNotifier } from '../health/sd-notify.js';
import { startWatchdog } from '../health/watchdog.js';
import { createLogger, type Logger } from '../log.js';
import { rulesConfigFrom } from '../rules-config.js';
import { tlsFileProblems } from '../tls/config-files.js';

/** Loads the config or exits 78 with one clear message naming the bad field(s). */
export function loadConfigOrExit(path: string | undefined): GatewayConfig {
  try {
    const config = loadConfig(path);
    try {
      rulesConfigFrom(config); // an unknown profile is a config error too: exit 78, as `config check` does
    } catch (err) {
      throw new ConfigError(path ?? 'the default configuration', [`rules: ${(err as Error).message}`]);
    }
    const tls = tlsFileProblems(config);
    if (tls.length > 0) throw new ConfigError(path ?? 'the default configuration', tls);
    return config;
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

/**
 * `wardgate run`: the daemon. Tells systemd READY=1 only once the store is open, the broker listens and the
 * drivers are started (a driver family that cannot run is degraded, not fatal); sends WATCHDOG=1 from the event loop while the alarm loop ticks; STOPPING=1 on shutdown.
 * SIGHUP reloads beds, devices and thresholds; a bad new config is refused and the old one kept.
 */
export async function runGateway(configPath: string | undefined): Promise<void> {
  const config = loadConfigOrExit(configPath);
  const log = createLogger(config.log.level);
  const notifier = createNotifier(process.env, { onError: (err) => log.warn({ err: err.message }, 'sd_notify failed') });
  const gateway = new Gateway({ config, log, driverFamilies: defaultDriverFamilies() });
  let watchdog: { stop(): void } | undefined;
  onShutdownSignals(log, async () => {
    notifier.stopping();
    watchdog?.stop();
    await gateway.stop();
    await notifier.flush();
  });
  process.on('SIGHUP', () => {
    notifier.status('reloading configuration');
    gateway.reload(configPath).then(
      (r) => log.info(r, 'config: reloaded'),
      (err: unknown) => log.error({ err: (err as Error).message }, 'config: reload refused; keeping the running configuration'),
    );
  });
  try {
    notifier.status('starting');
    await gateway.start();
  } catch (err) {
    await gateway.stop().catch(() => undefined);
    // A configuration error found while building the parts is still a configuration error: exit 78, no restart loop.
    if (err instanceof ConfigError) {
      log.fatal({ err: err.message }, 'start-up failed: invalid configuration');
      process.stderr.write(`wardgate: ${err.message}\n`);
      log.flush?.();
      process.exit(EXIT_CONFIG);
    }
    log.fatal({ err }, 'start-up failed');
    process.exit(1);
  }
  await notifier.ready().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'sd_notify READY failed'));
  notifier.status(`ready: ${config.beds.length} beds, ${config.devices.length} devices`);
  if (notifier.watchdogIntervalMs) {
    watchdog = startWatchdog({
      notifier,
      isHealthy: () => gateway.isHealthy(),
      onUnhealthy: (reason) => log.error({ reason }, 'watchdog: not healthy; withholding keep-alive'),
    });
  }
}

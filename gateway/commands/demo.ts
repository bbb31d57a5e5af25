import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Central } from '../../simulator/central/central.js';
import { desaturationCycle, Wearables } from '../../simulator/mqtt/wearables.js';
import { Gateway } from '../daemon.js';
import { defaultDriverFamilies } from '../drivers.js';
import { createLogger } from '../log.js';
import type { GatewayConfig } from '../../config/schema.js';
import { loadConfigOrExit, onShutdownSignals } from './run.js';

/**
 * The embedded default: a stand-in central on the upstream URL's port, the gateway, and simulated wearables
 * for every MQTT device in the config (the third bed deteriorating in cycles so alarms fire and clear).
 */
export async function runDemo(configPath: string | undefined): Promise<void> {
  const config = loadConfigOrExit(configPath);
  mkdirSync(config.dataDir, { recursive: true });
  // JSON logs to a file always; pretty on a terminal as well. A piped stdout gets only the one human line below.
  const logFile = join(config.dataDir, 'demo.log');
  const log = createLogger(config.log.level, { file: logFile, quietStdout: true });

  let central: Central | undefined;
  const m = config.sync.mqtt;
  if (config.sync.enabled && m) {
    const url = new URL(m.url);
    central = new Central({
      embeddedPort: Number(url.port || 1883),
      embeddedHost: url.hostname,
      username: 'central',
      password: m.password ?? 'demo-central',
      accounts: m.username ? { [m.username]: m.password ?? '' } : {},
      prefix: config.sync.topicPrefix,
      dbPath: join(config.dataDir, 'demo-central.db'),
      assignDelayMs: 3000,
      log: (msg, obj) => log.info({ module: 'demo-central', ...obj }, msg),
    });
    await central.start();
    log.info({ url: m.url }, 'demo: stand-in central listening');
  }

  const gateway = new Gateway({ config, log, driverFamilies: defaultDriverFamilies() });
  await gateway.start();

  const mqttDevices = config.devices.filter((d) => d.transport === 'mqtt' && d.password);
  // With broker.tls the wearables use MQTTS, trusting the ward CA (clientCa, as `wardgate cert init` sets it up).
  const tls = config.broker.tls;
  const brokerUrl = gateway.broker.tlsPort ? `mqtts://localhost:${gateway.broker.tlsPort}` : `mqtt://127.0.0.1:${gateway.broker.port}`;
  const wearables = new Wearables({
    url: brokerUrl,
    ...(tls && gateway.broker.tlsPort ? { ca: readFileSync(tls.clientCa ?? tls.cert) } : {}),
    intervalMs: 1000,
    seed: 42,
    devices: mqttDevices.map((d, i) => ({
      deviceId: d.id,
      password: d.password!,
      episode: i === 2 ? desaturationCycle(120_000, 45_000, 5_000) : undefined,
      format: i === 1 ? 'senml' : 'json',
    })),
    onError: (deviceId, err) => log.warn({ deviceId, err: err.message }, 'demo: wearable error'),
  });
  await wearables.start();
  // Demo patients are alert and on room air, so NEWS2 is complete on every tile.
  for (const b of config.beds) gateway.setManualInputs(b.id, { acvpu: 'A', o2: false }, 'demo');
  const screenUrl = gateway.screen.tlsPort
    ? `https://localhost:${gateway.screen.tlsPort}`
    : `http://${config.screen.host === '0.0.0.0' || config.screen.host === '::' ? 'localhost' : config.screen.host}:${gateway.screen.port}`;
  process.stdout.write(`${startupLine(config, screenUrl, logFile)}\n`);
  log.info({ screen: screenUrl, broker: brokerUrl, wearables: mqttDevices.length }, 'demo: ward running');

  onShutdownSignals(log, async () => {
    await wearables.stop();
    await gateway.stop();
    await central?.stop();
  });
}

/**
 * The one line a person starting the demo needs: where the screen is, how to log in, where the logs go. The PIN
 * is shown only when the config holds it in clear (the shipped demo config); a hashed PIN is never recoverable.
 */
export function startupLine(config: GatewayConfig, screenUrl: string, logFile: string): string {
  const staff = config.screen.staff[0];
  const login = staff ? `log in with staff id ${staff.id}${staff.pin ? `, PIN ${staff.pin}` : ' and its PIN'}` : 'no staff configured (screen.staff)';
  return `wardgate demo: ward screen at ${screenUrl} — ${login} — logs in ${logFile} — Ctrl-C stops`;
}

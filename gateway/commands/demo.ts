import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Central } from '../../simulator/central/central.js';
import { desaturationCycle, Wearables } from '../../simulator/mqtt/wearables.js';
import { Gateway } from '../daemon.js';
import { defaultDriverFamilies } from '../drivers.js';
import { createLogger } from '../log.js';
import { loadConfigOrExit, onShutdownSignals } from './run.js';

/**
 * The embedded default: a stand-in central on the upstream URL's port, the gateway, and simulated wearables
 * for every MQTT device in the config (the third bed deteriorating in cycles so alarms fire and clear).
 */
export async function runDemo(configPath: string | undefined): Promise<void> {
  const config = loadConfigOrExit(configPath);
  const log = createLogger(config.log.level);
  mkdirSync(config.dataDir, { recursive: true });

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
  const screen = gateway.screen.tlsPort
    ? `https://localhost:${gateway.screen.tlsPort}`
    : `http://${config.screen.host === '0.0.0.0' ? 'localhost' : config.screen.host}:${gateway.screen.port}`;
  const staff = config.screen.staff[0];
  log.info(
    { screen, login: staff ? `staff id ${staff.id} (demo PIN in README)` : 'none', broker: brokerUrl },
    `demo: ward running with ${mqttDevices.length} simulated wearables — open ${screen}`,
  );

  onShutdownSignals(log, async () => {
    await wearables.stop();
    await gateway.stop();
    await central?.stop();
  });
}

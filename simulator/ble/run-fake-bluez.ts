/**
 * Standalone fake BlueZ for manual testing (the body of `wardgate-sim ble`):
 *   npx tsx simulator/ble/run-fake-bluez.ts [--bus unix:path=...] [--quiet]
 * Starts a private dbus-daemon (unless --bus is given), serves org.bluez with a heart-rate strap, an oximeter,
 * a thermometer and a cuff, and streams plausible frames until Ctrl-C. Other processes steer it through
 * org.wardgate.BleSim1 at /org/wardgate/blesim (AddDevice, Notify, DropLink, SetReachable, ...).
 */
import { startPrivateBus, type PrivateBus } from './private-bus.js';
import { FakeBluez } from './fake-bluez.js';
import { bloodPressureCuff, heartRateStrap, pulseOximeter, thermometer } from './device-presets.js';

export const SIM_DEVICES = {
  strap: 'C0:FF:EE:00:00:01',
  oximeter: 'C0:FF:EE:00:00:02',
  thermometer: 'C0:FF:EE:00:00:03',
  cuff: 'C0:FF:EE:00:00:04',
} as const;

const sfloat = (mantissa: number, exponent = 0): number[] => {
  const raw = ((exponent & 0x0f) << 12) | (mantissa & 0x0fff);
  return [raw & 0xff, raw >> 8];
};
const float32 = (mantissa: number, exponent: number): number[] => [mantissa & 0xff, (mantissa >> 8) & 0xff, (mantissa >> 16) & 0xff, exponent & 0xff];
const jitter = (base: number, spread: number): number => Math.round(base + (Math.random() * 2 - 1) * spread);

export async function runFakeBluez(opts: { bus?: string; quiet?: boolean } = {}): Promise<{ address: string; stop: () => Promise<void> }> {
  let ownBus: PrivateBus | undefined;
  const address = opts.bus ?? (ownBus = await startPrivateBus()).address;
  const fake = await FakeBluez.start(address);
  fake.addDevice(heartRateStrap(SIM_DEVICES.strap));
  fake.addDevice(pulseOximeter(SIM_DEVICES.oximeter));
  fake.addDevice(thermometer(SIM_DEVICES.thermometer));
  fake.addDevice(bloodPressureCuff(SIM_DEVICES.cuff));
  const timers = [
    setInterval(() => fake.notify(SIM_DEVICES.strap, '2a37', Uint8Array.of(0x06, jitter(78, 4))), 1000),
    setInterval(() => fake.notify(SIM_DEVICES.oximeter, '2a5f', Uint8Array.of(0x00, ...sfloat(jitter(97, 1)), ...sfloat(jitter(78, 4)))), 1000),
    setInterval(() => fake.notify(SIM_DEVICES.thermometer, '2a1c', Uint8Array.of(0x00, ...float32(jitter(369, 3), -1))), 10_000),
    setInterval(
      () => fake.notify(SIM_DEVICES.cuff, '2a35', Uint8Array.of(0x04, ...sfloat(jitter(124, 6)), ...sfloat(jitter(78, 4)), ...sfloat(jitter(93, 4)), ...sfloat(jitter(76, 4)))),
      30_000,
    ),
  ];
  if (!opts.quiet) {
    console.log(`DBUS_SYSTEM_BUS_ADDRESS=${address}`);
    for (const [kind, addr] of Object.entries(SIM_DEVICES)) console.log(`${kind.padEnd(12)} ${addr}`);
  }
  return {
    address,
    async stop() {
      for (const t of timers) clearInterval(t);
      await fake.stop();
      await ownBus?.stop();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const busArg = process.argv.indexOf('--bus');
  const sim = await runFakeBluez({
    ...(busArg > 0 && process.argv[busArg + 1] ? { bus: process.argv[busArg + 1] } : {}),
    quiet: process.argv.includes('--quiet'),
  });
  const shutdown = (): void => {
    void sim.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

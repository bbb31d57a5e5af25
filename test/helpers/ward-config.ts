/**
 * The config of a gateway under an end-to-end test, built in one place: a ward, a nurse-call account on the embedded
 * broker, nurse n1 (PIN 2468) on the screen, and sync over MQTT 5 to an upstream broker when one is given.
 * Plus the MQTT client connect the end-to-end tests share.
 */
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';

export interface WardConfigOptions {
  gateway: { id: string; site: string; ward: string };
  /** Default `<dir>/data`. */
  dataDir?: string;
  /** A broker account that may subscribe to alarms/# (the nurse-call system). */
  nurseCall?: { username: string; password: string };
  beds: Array<Record<string, unknown>>;
  devices: Array<Record<string, unknown>>;
  /** The central's broker (mosquitto) and the gateway's account on it; sync is off without it. */
  upstream?: { url: string; username: string; password: string };
  /** Further top-level sections (hl7Listener, buzzer...), merged last. */
  extra?: Record<string, unknown>;
}

export const NURSE_LOGIN = { staffId: 'n1', pin: '2468' };

export function wardConfig(dir: string, o: WardConfigOptions): Record<string, unknown> {
  return {
    gateway: o.gateway,
    dataDir: o.dataDir ?? join(dir, 'data'),
    log: { level: 'info' },
    broker: { host: '127.0.0.1', port: 0, ...(o.nurseCall ? { users: [{ ...o.nurseCall, subscribe: ['alarms/#'] }] } : {}) },
    screen: { host: '127.0.0.1', port: 0, staff: [{ id: NURSE_LOGIN.staffId, name: 'Nurse One', pin: NURSE_LOGIN.pin }] },
    beds: o.beds,
    devices: o.devices,
    sync: o.upstream
      ? { enabled: true, transport: 'mqtt', mqtt: { ...o.upstream, protocolVersion: 5 }, retryMinMs: 100, retryMaxMs: 1000 }
      : { enabled: false },
    ...o.extra,
  };
}

export async function connectMqtt(url: string, opts: mqtt.IClientOptions): Promise<MqttClient> {
  const c = mqtt.connect(url, { reconnectPeriod: 200, ...opts });
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('error', reject);
    // Without reconnects, a broker that dies mid-CONNECT ends in 'close' with no 'error': fail instead of waiting forever.
    if (opts.reconnectPeriod === 0) c.once('close', () => reject(new Error(`connection to ${url} closed before CONNACK`)));
  });
  return c;
}

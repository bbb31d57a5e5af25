import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * Listener security settings (TLS certificates, the plaintext opt-in, HL7 sender allowlists) and the rule that
 * keeps plaintext off the ward network unless the config says so. docs/security.md explains the posture.
 */

const pemPath = z.string().min(1, 'a PEM file path');

/** MQTT over TLS on the embedded broker, beside the plain listener (broker.host/port). */
export const brokerTlsSchema = z.strictObject({
  host: z.string().default('0.0.0.0'),
  port: z.number().int().min(0).max(65535).default(8883),
  cert: pemPath,
  key: pemPath,
  /** CA that issues device client certificates; set it to let devices with `clientCert: true` log in by certificate. */
  clientCa: pemPath.optional(),
});

/** HTTPS and WSS for the ward screen. The plain listener (screen.host/port) then redirects to it. */
export const screenTlsSchema = z.strictObject({
  host: z.string().default('0.0.0.0'),
  port: z.number().int().min(0).max(65535).default(8443),
  cert: pemPath,
  key: pemPath,
  /** Strict-Transport-Security max-age on HTTPS responses. */
  hstsMaxAgeSeconds: z.number().int().min(0).default(15_552_000),
  /** An extra plain HTTP listener on tls.host that only redirects to HTTPS (e.g. 80), for tablets typing http://. */
  redirectPort: z.number().int().min(0).max(65535).optional(),
});

/** MLLP over TLS: the HL7 listener itself speaks TLS when this is set. */
export const hl7TlsSchema = z.strictObject({
  cert: pemPath,
  key: pemPath,
  /** When set, senders must present a client certificate from this CA. */
  clientCa: pemPath.optional(),
});

/** An IPv4/IPv6 address or a CIDR network (10.20.0.0/16, fd00::/8). */
export const addressOrNetwork = z.string().refine((s) => parseNetwork(s) !== undefined, 'must be an IP address or a CIDR network like 10.20.0.0/16');

export function parseNetwork(s: string): { address: string; prefix: number; family: 4 | 6 } | undefined {
  const [address, prefixText, ...rest] = s.trim().split('/');
  if (!address || rest.length > 0) return undefined;
  const family = isIP(address);
  if (family !== 4 && family !== 6) return undefined;
  const max = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (prefixText !== undefined && !/^\d+$/.test(prefixText))) return undefined;
  return { address, prefix, family };
}

/** 127.0.0.0/8, ::1 and localhost stay on the machine; anything else (0.0.0.0, ::, a LAN address) is the network. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '[::1]') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

interface PlaintextListener {
  /** Config path of the host field, e.g. ['broker', 'host']. */
  path: string[];
  host: string;
  allowed: boolean;
  what: string;
  tlsHint: string;
}

/** The plaintext listeners a config asks for on a non-loopback address, with whether it opted in. */
export function plaintextListeners(c: {
  broker: { host: string; allowPlaintextOnNetwork: boolean };
  screen: { host: string; allowPlaintextOnNetwork: boolean };
  hl7Listener: { enabled: boolean; host: string; allowPlaintextOnNetwork: boolean; tls?: unknown };
}): PlaintextListener[] {
  const out: PlaintextListener[] = [];
  if (!isLoopbackHost(c.broker.host))
    out.push({ path: ['broker', 'host'], host: c.broker.host, allowed: c.broker.allowPlaintextOnNetwork, what: 'plain MQTT (device passwords and vital signs in clear)', tlsHint: 'broker.tls' });
  if (!isLoopbackHost(c.screen.host))
    out.push({ path: ['screen', 'host'], host: c.screen.host, allowed: c.screen.allowPlaintextOnNetwork, what: 'plain HTTP (staff PINs and the ward screen in clear)', tlsHint: 'screen.tls' });
  if (c.hl7Listener.enabled && !c.hl7Listener.tls && !isLoopbackHost(c.hl7Listener.host))
    out.push({ path: ['hl7Listener', 'host'], host: c.hl7Listener.host, allowed: c.hl7Listener.allowPlaintextOnNetwork, what: 'plain HL7 MLLP (vital signs in clear, open to injection)', tlsHint: 'hl7Listener.tls' });
  return out;
}

/** The refusal for a plaintext listener on the network without the opt-in; it names the opt-in field. */
export function plaintextRefusal(l: PlaintextListener): string {
  const section = l.path[0]!;
  return `'${l.host}' is not a loopback address: that puts ${l.what} on the ward network. Keep ${section}.host on 127.0.0.1 and configure ${l.tlsHint} for the network, or set ${section}.allowPlaintextOnNetwork: true to accept plaintext there`;
}

/**
 * `wardgate sync check [--config FILE]`: verifies the link to the central service with the gateway's own settings,
 * without touching the store or the running daemon's session. Connects (MQTT 5 or HTTPS, TLS files from the config),
 * publishes one test status (MQTT: QoS 1, *not* retained, so the retained online/offline status that monitoring
 * reads is unchanged; HTTPS: POST <url>/v1/status), and reports the round trip (publish to PUBACK, or request to
 * answer) and the expiry of the client certificate, the CA and the server's certificate.
 * Exit: 0 ok; 2 ok but a certificate expires within 30 days; 1 failed; 64 bad usage; 78 invalid config.
 */
import { existsSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import type { TLSSocket } from 'node:tls';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { ConfigError, EXIT_CONFIG, loadConfig, DEFAULT_CONFIG_PATH } from '../../config/load.js';
import type { GatewayConfig } from '../../config/schema.js';
import { describeTlsFailure, loadTls } from '../../sync/tls.js';
import { statusMessage, upstreamTopics } from '../../sync/wire.js';
import { X509Certificate } from 'node:crypto';
import { clockState } from '../clock.js';
import { certificateInfo } from '../tls/certificates.js';
import { EXPIRY_WARNING_MS } from '../tls/expiry.js';
import { VERSION } from '../version.js';

/** Warn this many days ahead, as the screen and /metrics do (gateway/tls/expiry.ts). */
const CERT_WARN_DAYS = Math.round(EXPIRY_WARNING_MS / 86_400_000);
const DAY_MS = 86_400_000;

interface CertificateExpiry {
  subject: string;
  notAfter: number;
  /** Whole days left (negative once expired). */
  daysLeft: number;
}

function expiryOf(subject: string, notAfter: number): CertificateExpiry {
  return { subject, notAfter, daysLeft: Math.floor((notAfter - Date.now()) / DAY_MS) };
}

function fileExpiry(use: string, path: string): CertificateExpiry {
  const info = certificateInfo(use, path);
  return expiryOf(info.subject, info.notAfter);
}

function derExpiry(raw: Buffer): CertificateExpiry {
  const x = new X509Certificate(raw);
  return expiryOf(x.subject.replace(/\n/g, ', '), Date.parse(x.validTo));
}

export interface SyncCheckResult {
  ok: boolean;
  warnings: string[];
  lines: string[];
}

const INSTALLED_CONFIG = '/etc/wardgate/wardgate.yaml';

function describeCert(label: string, exp: CertificateExpiry, warnings: string[]): string {
  const date = new Date(exp.notAfter).toISOString().slice(0, 10);
  let line = `  ${label.padEnd(14)} ${exp.subject}, expires ${date} (${exp.daysLeft} days)`;
  if (exp.daysLeft < 0) {
    line += '  EXPIRED';
    warnings.push(`${label} expired on ${date}`);
  } else if (exp.daysLeft < CERT_WARN_DAYS) {
    line += `  WARNING: renew within ${CERT_WARN_DAYS} days`;
    warnings.push(`${label} expires in ${exp.daysLeft} days`);
  }
  return line;
}

function certLines(files: { ca?: string | undefined; cert?: string | undefined }, lines: string[], warnings: string[]): void {
  if (files.cert) lines.push(describeCert('client cert', fileExpiry('upstream-client', files.cert), warnings));
  if (files.ca) lines.push(describeCert('CA', fileExpiry('upstream-ca', files.ca), warnings));
}

function peerLine(socket: TLSSocket | undefined, lines: string[], warnings: string[]): void {
  const peer = socket?.getPeerCertificate?.(false);
  if (peer && peer.raw) lines.push(describeCert('server cert', derExpiry(peer.raw), warnings));
  if (socket?.getProtocol?.()) lines.push(`  tls            ${socket.getProtocol()}, ${socket.getCipher().name}`);
}

function failure(err: unknown): string {
  const tls = describeTlsFailure(err);
  if (tls) return tls.reason;
  const e = err as { code?: unknown; message?: string };
  return `${e.message ?? String(err)}${typeof e.code === 'string' || typeof e.code === 'number' ? ` (${String(e.code)})` : ''}`;
}

async function checkMqtt(config: GatewayConfig, timeoutMs: number): Promise<SyncCheckResult> {
  const m = config.sync.mqtt!;
  const lines: string[] = [];
  const warnings: string[] = [];
  const who = { gatewayId: config.gateway.id, site: config.gateway.site, ward: config.gateway.ward, version: VERSION };
  const topics = upstreamTopics(config.sync.topicPrefix, who);
  // Never the daemon's own client id: the broker would disconnect the running gateway's session.
  const clientId = `${m.clientId ?? `wardgate-${config.gateway.id}`}-check`;
  lines.push(`wardgate sync check: mqtt ${m.url} (MQTT ${m.protocolVersion === 5 ? '5' : '3.1.1'}) as client ${clientId}`);
  certLines(m, lines, warnings);
  const opts: IClientOptions = {
    protocolVersion: m.protocolVersion,
    clientId,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: timeoutMs,
    rejectUnauthorized: m.rejectUnauthorized,
    ...(m.username !== undefined ? { username: m.username } : {}),
    ...(m.password !== undefined ? { password: m.password } : {}),
    ...loadTls(m),
  };
  const started = Date.now();
  let client: MqttClient | undefined;
  try {
    client = await new Promise<MqttClient>((resolve, reject) => {
      const c = mqtt.connect(m.url, opts);
      const timer = setTimeout(() => reject(new Error(`no CONNACK within ${timeoutMs} ms`)), timeoutMs);
      c.once('connect', () => {
        clearTimeout(timer);
        resolve(c);
      });
      c.once('error', (err) => {
        clearTimeout(timer);
        c.end(true);
        reject(err);
      });
      c.once('close', () => {
        clearTimeout(timer);
        reject(new Error('connection closed by the broker before CONNACK (wrong port, TLS mismatch, or client certificate refused)'));
      });
    });
    lines.push(`  connect        ok in ${Date.now() - started} ms`);
    peerLine(client.stream as TLSSocket, lines, warnings);
    const body = statusMessage(who, 'online', { gatewaySeq: 0, wallTime: Date.now(), clockSynced: clockState() === 'synchronised' });
    const sent = Date.now();
    const packet = await new Promise<{ reasonCode?: number } | undefined>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no PUBACK within ${timeoutMs} ms`)), timeoutMs);
      client!.publish(topics.status, JSON.stringify(body), { qos: 1, retain: false }, (err, pkt) => {
        clearTimeout(timer);
        // mqtt.js reports an MQTT 5 PUBACK reason code >= 0x80 as an error carrying that code.
        const code = (err as { code?: unknown } | undefined)?.code;
        if (err && typeof code === 'number') resolve({ reasonCode: code });
        else if (err) reject(err);
        else resolve(pkt as { reasonCode?: number } | undefined);
      });
    });
    const code = packet?.reasonCode ?? 0;
    if (code >= 0x80) {
      const why = code === 0x87 ? 'not authorized: the broker ACL must allow this account to publish here' : `reason code 0x${code.toString(16)}`;
      lines.push(`  publish        ${topics.status}: REFUSED (${why})`);
      return { ok: false, warnings, lines };
    }
    lines.push(`  publish        ${topics.status} (QoS 1, not retained): acknowledged, round trip ${Date.now() - sent} ms`);
    return { ok: true, warnings, lines };
  } catch (err) {
    lines.push(`  connect        FAILED after ${Date.now() - started} ms: ${failure(err)}`);
    return { ok: false, warnings, lines };
  } finally {
    client?.end(true);
  }
}

async function checkHttps(config: GatewayConfig, timeoutMs: number): Promise<SyncCheckResult> {
  const h = config.sync.https!;
  const lines: string[] = [];
  const warnings: string[] = [];
  const who = { gatewayId: config.gateway.id, site: config.gateway.site, ward: config.gateway.ward, version: VERSION };
  const url = new URL(`${h.url.replace(/\/$/, '')}/v1/status`);
  lines.push(`wardgate sync check: https ${h.url}${h.token ? ' with a bearer token' : ''}`);
  certLines(h, lines, warnings);
  const body = JSON.stringify(statusMessage(who, 'online', { gatewaySeq: 0, wallTime: Date.now(), clockSynced: clockState() === 'synchronised' }));
  const started = Date.now();
  try {
    const peer: string[] = [];
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const lib = url.protocol === 'https:' ? https : http;
      const req = lib.request(
        url,
        {
          method: 'POST',
          timeout: timeoutMs,
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(body),
            ...(h.token ? { Authorization: `Bearer ${h.token}` } : {}),
          },
          rejectUnauthorized: h.rejectUnauthorized,
          ...loadTls(h),
        },
        (res) => {
          // Read the server's certificate now: once the answer has ended the socket may be gone.
          if (url.protocol === 'https:') peerLine(res.socket as TLSSocket, peer, warnings);
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
    const rtt = Date.now() - started;
    lines.push(...peer);
    if (answer.status >= 200 && answer.status < 300) {
      lines.push(`  POST           ${url.pathname}: ${answer.status}, round trip ${rtt} ms`);
      return { ok: true, warnings, lines };
    }
    const hint = answer.status === 401 || answer.status === 403 ? ' (token refused: check sync.https.token with the central team)' : '';
    lines.push(`  POST           ${url.pathname}: FAILED ${answer.status}${hint}: ${answer.text.slice(0, 200)}`);
    return { ok: false, warnings, lines };
  } catch (err) {
    lines.push(`  POST           FAILED after ${Date.now() - started} ms: ${failure(err)}`);
    return { ok: false, warnings, lines };
  }
}

/** Runs the check for a loaded config (exported for tests). */
export async function syncCheck(config: GatewayConfig, timeoutMs = 10_000): Promise<SyncCheckResult> {
  if (!config.sync.enabled) return { ok: false, warnings: [], lines: ['wardgate sync check: sync is disabled in this config (sync.enabled: false)'] };
  return config.sync.transport === 'https' ? checkHttps(config, timeoutMs) : checkMqtt(config, timeoutMs);
}

export async function runSyncCheck(configPath: string | undefined, timeoutMs = 10_000): Promise<number> {
  const path = configPath ?? (existsSync(INSTALLED_CONFIG) ? INSTALLED_CONFIG : DEFAULT_CONFIG_PATH);
  let config: GatewayConfig;
  try {
    config = loadConfig(path);
  } catch (err) {
    process.stderr.write(`wardgate: ${err instanceof ConfigError ? err.message : (err as Error).message}\n`);
    return EXIT_CONFIG;
  }
  let result: SyncCheckResult;
  try {
    result = await syncCheck(config, timeoutMs);
  } catch (err) {
    process.stdout.write(`wardgate sync check: FAILED: ${(err as Error).message}\n`);
    return 1;
  }
  const verdict = !result.ok ? 'FAILED' : result.warnings.length > 0 ? `ok, with warnings: ${result.warnings.join('; ')}` : 'ok';
  process.stdout.write(`${[...result.lines, `result: ${verdict}`].join('\n')}\n`);
  return !result.ok ? 1 : result.warnings.length > 0 ? 2 : 0;
}

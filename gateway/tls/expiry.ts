import { statSync } from 'node:fs';
import { Gauge, type Registry } from 'prom-client';
import { certificateInfo, type CertificateInfo } from './certificates.js';

/** Certificates are flagged this long before they expire (on the screen, in the log, and for alerting on /metrics). */
export const EXPIRY_WARNING_MS = 30 * 24 * 3600_000;

/** A certificate in use, by what uses it. */
export interface CertificateSource {
  use: string;
  path: string;
}

/** Reads certificates again only when their file changed (a rotation), so a scrape costs a stat per certificate. */
export class CertificateReader {
  private readonly cache = new Map<string, { mtimeMs: number; info: CertificateInfo }>();

  read(source: CertificateSource): CertificateInfo | { use: string; path: string; error: string } {
    try {
      const mtimeMs = statSync(source.path).mtimeMs;
      const key = `${source.use}\0${source.path}`;
      const hit = this.cache.get(key);
      if (hit && hit.mtimeMs === mtimeMs) return hit.info;
      const info = certificateInfo(source.use, source.path);
      this.cache.set(key, { mtimeMs, info });
      return info;
    } catch (err) {
      return { use: source.use, path: source.path, error: (err as Error).message };
    }
  }
}

export interface ExpiryNotice {
  use: string;
  level: 'warn' | 'bad';
  text: string;
}

/** Notices for certificates that expire within EXPIRY_WARNING_MS, have expired, or cannot be read. */
export function expiryNotices(infos: Array<ReturnType<CertificateReader['read']>>, now: number): ExpiryNotice[] {
  const out: ExpiryNotice[] = [];
  for (const i of infos) {
    if ('error' in i) {
      out.push({ use: i.use, level: 'bad', text: `${i.use} certificate unreadable` });
      continue;
    }
    const left = i.notAfter - now;
    const date = new Date(i.notAfter).toISOString().slice(0, 10);
    if (left <= 0) out.push({ use: i.use, level: 'bad', text: `${i.use} certificate EXPIRED ${date}` });
    else if (left <= EXPIRY_WARNING_MS) out.push({ use: i.use, level: 'warn', text: `${i.use} certificate expires ${date} (${Math.ceil(left / 86_400_000)} d)` });
  }
  return out;
}

/**
 * `wardgate_certificate_expiry_seconds{use}`: seconds until each certificate in use expires (negative once expired),
 * read at scrape time. One metric for every certificate the gateway holds, so other parts (the upstream client
 * certificate, say) add a source rather than a metric. Alert on it below 30 days (2592000).
 */
export function registerCertificateExpiry(registry: Registry, sources: () => CertificateSource[], reader = new CertificateReader(), now: () => number = Date.now): Gauge<'use'> {
  return new Gauge({
    name: 'wardgate_certificate_expiry_seconds',
    help: 'Seconds until the certificate expires (negative when expired), by use; warn below 2592000 (30 days)',
    labelNames: ['use'],
    registers: [registry],
    collect() {
      this.reset();
      const t = now();
      for (const s of sources()) {
        const info = reader.read(s);
        if (!('error' in info)) this.set({ use: s.use }, Math.round((info.notAfter - t) / 1000));
      }
    },
  });
}

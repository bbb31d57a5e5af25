/**
 * Sentences for the people in front of the ward screen and the monitoring, about things only IT can fix: an
 * unsynchronised clock and an upstream client certificate near its end. They ride on the health data the screen
 * already receives (HealthView.notices) and, for the certificate, on two gauges in /metrics:
 *   wardgate_upstream_client_cert_expiry_timestamp_seconds  the certificate's notAfter
 *   wardgate_upstream_client_cert_expiring                 1 from 30 days before expiry (and once expired), else 0
 * (both absent when no client certificate is configured).
 * The certificate file is read at scrape time, so a renewed certificate clears the warning without a restart.
 */
import { Gauge, type Registry } from 'prom-client';
import { certificateFileExpiry, certificateNotice, CERT_WARN_DAYS, type CertificateExpiry } from '../../sync/certificate-expiry.js';
import type { ClockState } from '../clock.js';

/** What the screen banner says while the clock is not synchronised (docs/operations.md, "The clock"). */
export const CLOCK_NOTICE =
  'Clock not synchronised: times shown may be wrong (alarm order is not affected). IT: check network time with `timedatectl timesync-status` or `chronyc tracking`.';

export interface CertificateWatch {
  /** The expiry of the configured client certificate now, or undefined (none configured, or unreadable). */
  expiry(now?: number): CertificateExpiry | undefined;
}

export function watchClientCertificate(certPath: string | undefined, registry: Registry, now: () => number = Date.now): CertificateWatch {
  const expiry = (at = now()): CertificateExpiry | undefined => {
    if (!certPath) return undefined;
    try {
      return certificateFileExpiry(certPath, at);
    } catch {
      return undefined; // the upstream itself reports an unreadable file, at start-up
    }
  };
  if (!certPath) return { expiry }; // no client certificate configured: no gauges (a 0 would look expired)
  new Gauge({
    name: 'wardgate_upstream_client_cert_expiry_timestamp_seconds',
    help: 'notAfter of the upstream client certificate, Unix seconds',
    registers: [registry],
    collect() {
      const e = expiry();
      if (e) this.set(Math.floor(e.notAfter / 1000));
    },
  });
  new Gauge({
    name: 'wardgate_upstream_client_cert_expiring',
    help: `1 when the upstream client certificate expires within ${CERT_WARN_DAYS} days or has expired, else 0`,
    registers: [registry],
    collect() {
      const e = expiry();
      if (e) this.set(e.daysLeft < CERT_WARN_DAYS ? 1 : 0);
    },
  });
  return { expiry };
}

/** The notices for the screen, most urgent first. */
export function operatorNotices(clock: ClockState | string, certificate: CertificateWatch | undefined, now = Date.now()): string[] {
  const out: string[] = [];
  const cert = certificate?.expiry(now);
  const certText = cert ? certificateNotice(cert) : undefined;
  if (certText) out.push(certText);
  if (clock !== 'synchronised') out.push(CLOCK_NOTICE);
  return out;
}

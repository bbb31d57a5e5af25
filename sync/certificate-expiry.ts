import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Warn this many days before a certificate expires (the central team's renewal lead time). */
export const CERT_WARN_DAYS = 30;

export interface CertificateExpiry {
  subject: string;
  notAfter: number;
  /** Whole days left (negative once expired). */
  daysLeft: number;
}

const DAY_MS = 24 * 3600_000;

/** The validity end of the first certificate in a PEM (or DER) buffer. */
export function certificateExpiry(pem: Buffer | string, now = Date.now()): CertificateExpiry {
  const cert = new X509Certificate(pem);
  const notAfter = Date.parse(cert.validTo);
  return { subject: cert.subject.replace(/\n/g, ', '), notAfter, daysLeft: Math.floor((notAfter - now) / DAY_MS) };
}

/** Reads a certificate file; throws with the path when it cannot be read or parsed. */
export function certificateFileExpiry(path: string, now = Date.now()): CertificateExpiry {
  let text: Buffer;
  try {
    text = readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read certificate ${path}: ${(err as Error).message}`);
  }
  try {
    return certificateExpiry(text, now);
  } catch (err) {
    throw new Error(`cannot parse certificate ${path}: ${(err as Error).message}`);
  }
}

/** The operator's sentence when the client certificate expires within CERT_WARN_DAYS, else undefined. */
export function certificateNotice(exp: CertificateExpiry, warnDays = CERT_WARN_DAYS): string | undefined {
  const date = new Date(exp.notAfter).toISOString().slice(0, 10);
  if (exp.daysLeft < 0) return `Upstream client certificate EXPIRED on ${date}: the central link fails until it is renewed (ask the central team).`;
  if (exp.daysLeft < warnDays) {
    return `Upstream client certificate expires on ${date} (${exp.daysLeft} days): ask the central team for a new one and install it.`;
  }
  return undefined;
}

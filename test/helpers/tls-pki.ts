import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueCertificate, makeCa } from '../../gateway/tls/openssl.js';

export interface WardPki {
  dir: string;
  ca: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  /** A device client certificate and key (CN = id). */
  device(id: string): { cert: string; key: string };
}

/** A ward CA and a server certificate for localhost/127.0.0.1, made the way `wardgate cert init` makes them. */
export function makeWardPki(dir: string, label = 'ward', serverDays = 365): WardPki {
  mkdirSync(dir, { recursive: true });
  const ca = join(dir, `${label}-ca.crt`);
  const caKey = join(dir, `${label}-ca.key`);
  makeCa(ca, caKey, `test ${label} CA`, 365);
  const serverCert = join(dir, `${label}-server.crt`);
  const serverKey = join(dir, `${label}-server.key`);
  issueCertificate({ caCert: ca, caKey, certPath: serverCert, keyPath: serverKey, commonName: 'localhost', usage: 'server', names: ['localhost', '127.0.0.1'], days: serverDays });
  return {
    dir,
    ca,
    caKey,
    serverCert,
    serverKey,
    device(id) {
      const cert = join(dir, `${label}-${id}.crt`);
      const key = join(dir, `${label}-${id}.key`);
      issueCertificate({ caCert: ca, caKey, certPath: cert, keyPath: key, commonName: id, usage: 'client', days: 365 });
      return { cert, key };
    },
  };
}

/**
 * A certificate that expired (validity 2020-01-01 to 2020-02-01), signed by the PKI's CA: openssl 3.0's `x509 -req`
 * cannot back-date, so this goes through `openssl ca` with explicit start and end dates.
 */
export function makeExpiredCertificate(pki: WardPki, name: string, usage: 'server' | 'client'): { cert: string; key: string } {
  const base = join(pki.dir, `expired-${name}`);
  mkdirSync(base, { recursive: true });
  const key = join(base, 'key.pem');
  const csr = join(base, 'req.csr');
  const cert = join(base, 'cert.pem');
  execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
  execFileSync('openssl', ['req', '-new', '-key', key, '-subj', `/CN=${name}`, '-out', csr]);
  writeFileSync(join(base, 'index.txt'), '');
  writeFileSync(join(base, 'serial'), '1000\n');
  const ext = usage === 'server' ? 'extendedKeyUsage = serverAuth\nsubjectAltName = DNS:localhost,IP:127.0.0.1' : 'extendedKeyUsage = clientAuth';
  writeFileSync(
    join(base, 'ca.cnf'),
    `[ca]\ndefault_ca = d\n[d]\ndatabase = ${base}/index.txt\nserial = ${base}/serial\nnew_certs_dir = ${base}\ndefault_md = sha256\npolicy = p\nunique_subject = no\ncopy_extensions = none\nx509_extensions = e\n[p]\ncommonName = supplied\n[e]\nbasicConstraints = critical,CA:FALSE\n${ext}\n`,
  );
  execFileSync('openssl', ['ca', '-batch', '-config', join(base, 'ca.cnf'), '-cert', pki.ca, '-keyfile', pki.caKey, '-startdate', '20200101000000Z', '-enddate', '20200201000000Z', '-in', csr, '-out', cert], { stdio: 'pipe' });
  return { cert, key };
}

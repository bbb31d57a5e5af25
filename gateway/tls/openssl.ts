import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIP } from 'node:net';

/**
 * Certificates through the openssl command line (Debian's openssl package), never hand-built ASN.1. Keys are
 * ECDSA P-256 (accepted by browsers, mosquitto and embedded TLS stacks alike); profiles follow RFC 5280 section 4.2.
 */

export class OpensslError extends Error {
  override name = 'OpensslError';
}

function run(args: string[]): string {
  try {
    return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new OpensslError('the openssl command is not installed (Debian: apt-get install openssl)');
    throw new OpensslError(`openssl ${args[0]} failed: ${(e.stderr ?? e.message).trim().split('\n').slice(0, 3).join(' ')}`);
  }
}

function withTemp<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-openssl-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A config value for openssl's config syntax: no newlines, quotes, or `$` expansions. */
function cnfValue(s: string): string {
  if (/[\n\r"$\\]/.test(s)) throw new OpensslError(`unsupported character in ${JSON.stringify(s)}`);
  return s;
}

function newKey(path: string): void {
  run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path]);
  chmodSync(path, 0o600);
}

function serial(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f; // a positive INTEGER (RFC 5280 section 4.1.2.2)
  return `0x${b.toString('hex')}`;
}

/** A self-signed CA that may sign end-entity certificates only (pathlen 0). */
export function makeCa(certPath: string, keyPath: string, commonName: string, days: number): void {
  newKey(keyPath);
  withTemp((tmp) => {
    const cnf = join(tmp, 'ca.cnf');
    writeFileSync(
      cnf,
      [
        '[req]', 'distinguished_name = dn', 'prompt = no', 'x509_extensions = ext', '[dn]', `CN = ${cnfValue(commonName)}`,
        '[ext]', 'basicConstraints = critical,CA:TRUE,pathlen:0', 'keyUsage = critical,keyCertSign,cRLSign',
        'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid:always',
      ].join('\n'),
    );
    run(['req', '-x509', '-new', '-config', cnf, '-key', keyPath, '-sha256', '-days', String(days), '-set_serial', serial(), '-out', certPath]);
  });
}

export interface IssueOptions {
  caCert: string;
  caKey: string;
  certPath: string;
  keyPath: string;
  commonName: string;
  usage: 'server' | 'client';
  /** Host names and IP addresses (server certificates). */
  names?: string[];
  days: number;
}

/** A new key and a certificate for it signed by the CA: serverAuth with subjectAltName, or clientAuth. */
export function issueCertificate(o: IssueOptions): void {
  newKey(o.keyPath);
  withTemp((tmp) => {
    const csr = join(tmp, 'req.csr');
    const cnf = join(tmp, 'req.cnf');
    writeFileSync(cnf, ['[req]', 'distinguished_name = dn', 'prompt = no', '[dn]', `CN = ${cnfValue(o.commonName)}`].join('\n'));
    run(['req', '-new', '-config', cnf, '-key', o.keyPath, '-out', csr]);
    const ext = join(tmp, 'ext.cnf');
    const lines = ['basicConstraints = critical,CA:FALSE', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid,issuer'];
    if (o.usage === 'server') {
      const names = (o.names ?? []).map((n) => (isIP(n) ? `IP:${cnfValue(n)}` : `DNS:${cnfValue(n)}`));
      if (names.length === 0) throw new OpensslError('a server certificate needs at least one host name or address');
      lines.push('keyUsage = critical,digitalSignature', 'extendedKeyUsage = serverAuth', `subjectAltName = ${names.join(',')}`);
    } else {
      lines.push('keyUsage = critical,digitalSignature', 'extendedKeyUsage = clientAuth');
    }
    writeFileSync(ext, lines.join('\n'));
    run(['x509', '-req', '-in', csr, '-CA', o.caCert, '-CAkey', o.caKey, '-set_serial', serial(), '-sha256', '-days', String(o.days), '-extfile', ext, '-out', o.certPath]);
  });
}

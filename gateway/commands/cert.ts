import { existsSync, mkdirSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import { certificateInfo } from '../tls/certificates.js';
import { issueCertificate, makeCa, OpensslError } from '../tls/openssl.js';
import { parseArgs, stringFlag } from './args.js';

const USAGE = `usage:
  wardgate cert init [--dir DIR] [--names NAME,ADDRESS,...] [--days N] [--ca-days N]
      a ward CA (kept if DIR already holds one) and a server certificate for the gateway's names and addresses
      (default: this host's name, localhost and its addresses); prints the CA fingerprint to check on tablets
  wardgate cert device ID [--dir DIR] [--days N]
      a client certificate for device ID (subject CN=ID), signed by the ward CA in DIR
DIR defaults to ./tls. Keys are written mode 0600.
`;

/** Server certificates stay under 398 days: Apple platforms and browsers refuse longer-lived TLS server certificates. */
const SERVER_DAYS = 397;
const CA_DAYS = 3650;
const DEVICE_DAYS = 730;

function defaultNames(): string[] {
  const names = new Set<string>([hostname(), 'localhost', '127.0.0.1', '::1']);
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (!a.internal && !a.address.startsWith('fe80:')) names.add(a.address);
  return [...names];
}

function positiveInt(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new OpensslError(`--${flag} must be a positive whole number of days`);
  return n;
}

/** `wardgate cert ...`: exit 0 done, 64 usage, 1 openssl failed. */
export function runCert(argv: string[]): number {
  const args = parseArgs(argv);
  const [what, id] = args.positionals;
  const dir = resolve(stringFlag(args, 'dir') ?? 'tls');
  const ca = { cert: join(dir, 'ca.crt'), key: join(dir, 'ca.key') };
  try {
    if (what === 'init') {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const names = (stringFlag(args, 'names') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      const hostNames = names.length > 0 ? names : defaultNames();
      const kept = existsSync(ca.cert) && existsSync(ca.key);
      if (!kept) makeCa(ca.cert, ca.key, `wardgate ward CA ${hostname()} ${new Date().toISOString().slice(0, 10)}`, positiveInt(stringFlag(args, 'ca-days'), CA_DAYS, 'ca-days'));
      const server = { cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
      issueCertificate({ caCert: ca.cert, caKey: ca.key, certPath: server.cert, keyPath: server.key, commonName: hostNames[0]!, usage: 'server', names: hostNames, days: positiveInt(stringFlag(args, 'days'), SERVER_DAYS, 'days') });
      const caInfo = certificateInfo('ca', ca.cert);
      const serverInfo = certificateInfo('server', server.cert);
      process.stdout.write(
        [
          `${kept ? 'kept the ward CA' : 'made a ward CA'}: ${ca.cert} (key ${ca.key}: keep it off the gateway once devices are issued, or at least private)`,
          `server certificate: ${server.cert}, key ${server.key}, valid until ${new Date(serverInfo.notAfter).toISOString().slice(0, 10)}`,
          `  for: ${hostNames.join(', ')}`,
          `CA SHA-256 fingerprint (check it on every tablet and wearable that installs ${ca.cert}):`,
          `  ${caInfo.fingerprint256}`,
          '',
          'config:',
          `  broker: { tls: { cert: ${server.cert}, key: ${server.key}, clientCa: ${ca.cert} } }`,
          `  screen: { tls: { cert: ${server.cert}, key: ${server.key} } }`,
          '',
        ].join('\n'),
      );
      return 0;
    }
    if (what === 'device' && id && /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(id)) {
      if (!existsSync(ca.cert) || !existsSync(ca.key)) throw new OpensslError(`no ward CA in ${dir}: run \`wardgate cert init --dir ${dir}\` first`);
      const devDir = join(dir, 'devices');
      mkdirSync(devDir, { recursive: true, mode: 0o700 });
      const out = { cert: join(devDir, `${id}.crt`), key: join(devDir, `${id}.key`) };
      issueCertificate({ caCert: ca.cert, caKey: ca.key, certPath: out.cert, keyPath: out.key, commonName: id, usage: 'client', days: positiveInt(stringFlag(args, 'days'), DEVICE_DAYS, 'days') });
      const info = certificateInfo('device', out.cert);
      process.stdout.write(
        `device certificate for ${id}: ${out.cert}, key ${out.key}, valid until ${new Date(info.notAfter).toISOString().slice(0, 10)}\n` +
          `set \`clientCert: true\` on device ${id} in the config; it then logs in on the MQTTS port with this certificate and ${ca.cert} as its CA\n`,
      );
      return 0;
    }
  } catch (err) {
    if (err instanceof OpensslError) {
      process.stderr.write(`wardgate cert: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  process.stderr.write(USAGE);
  return 64;
}

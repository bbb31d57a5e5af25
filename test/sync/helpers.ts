import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Logger } from '../../gateway/log.js';
import type { NewOutboxMessage, Store } from '../../gateway/store/store.js';
import { createUuidV7 } from '../../rules/ids.js';
import type { IncidentEvent } from '../../rules/types.js';
import { incidentEventMessage, type GatewayIdentity } from '../../sync/wire.js';

export { waitFor } from '../helpers/wait.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A real pino logger whose JSON lines are kept in `lines`. */
export function captureLogger(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

export interface TestPki {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A client certificate signed by a different CA: the server must refuse it. */
  rogueCert: string;
  rogueKey: string;
  rogueCa: string;
}

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
}

/** A CA, a server certificate for 127.0.0.1/localhost, a client certificate, and a rogue CA and client. */
export function makePki(dir: string): TestPki {
  mkdirSync(dir, { recursive: true });
  const ca = (name: string) => {
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`], dir);
  };
  const leaf = (name: string, caName: string, cn: string, ext: string) => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.crt`, '-CAkey', `${caName}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`], dir);
  };
  ca('test-ca');
  ca('rogue-ca');
  leaf('server', 'test-ca', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'test-ca', 'gw-tls', 'extendedKeyUsage=clientAuth\n');
  leaf('rogue', 'rogue-ca', 'gw-tls', 'extendedKeyUsage=clientAuth\n');
  const p = (f: string) => join(dir, f);
  return {
    dir,
    ca: p('test-ca.crt'),
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
    clientCert: p('client.crt'),
    clientKey: p('client.key'),
    rogueCert: p('rogue.crt'),
    rogueKey: p('rogue.key'),
    rogueCa: p('rogue-ca.crt'),
  };
}

/**
 * Commits `n` incident events to a real Store's outbox the way the gateway does (one transaction per alarm
 * change, a UUIDv7 id, per-incident sequence), spread over `incidents` incidents. Returns the events.
 */
export function commitIncidents(store: Store, who: GatewayIdentity, n: number, incidents = 10, clockSynced = true): IncidentEvent[] {
  const newId = createUuidV7();
  const seqs = new Map<string, number>();
  const out: IncidentEvent[] = [];
  for (let i = 0; i < n; i++) {
    const incidentId = `${who.gatewayId}-inc-${i % incidents}`;
    const seq = (seqs.get(incidentId) ?? 0) + 1;
    seqs.set(incidentId, seq);
    const at = Date.now();
    const ev: IncidentEvent = {
      incidentId, incidentSeq: seq, type: seq === 1 ? 'opened' : 'updated', bed: `bed-${i % incidents}`, condition: 'hr-high',
      kind: 'physiological', priority: 'high', at, by: 'rules', alarmId: `alarm-${i % incidents}`, vitals: { hr: 150 }, message: 'HR high',
    };
    const id = newId(at);
    const msg: NewOutboxMessage = {
      id, kind: 'incident-event', incidentId, incidentSeq: seq, createdAt: at,
      body: (gwSeq) => JSON.stringify(incidentEventMessage(who, id, ev, { gatewaySeq: gwSeq, wallTime: at, clockSynced })),
    };
    store.commitAlarmChange([], [ev], [msg]);
    out.push(ev);
  }
  return out;
}

import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes, type AuthenticateError } from 'aedes';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';

export interface StaffOnCall {
  id: string;
  name: string;
  role: string;
}

export interface CentralOptions {
  /** Broker to use; omit to embed one on `embeddedPort`. */
  url?: string;
  embeddedPort?: number;
  embeddedHost?: string;
  /** Credentials the central uses (and, when embedded, that the broker accepts for every client). */
  username: string;
  password: string;
  /** Extra accounts the embedded broker accepts (gateways). */
  accounts?: Record<string, string>;
  prefix?: string;
  dbPath: string;
  staff?: StaffOnCall[];
  assignDelayMs?: number;
  log?: (msg: string, obj?: Record<string, unknown>) => void;
}

interface IncomingEvent {
  eventId: string;
  gatewayId: string;
  site: string;
  ward: string;
  gatewaySeq: number;
  incident: { incidentId: string; incidentSeq: number; type: string; bed: string; condition: string; priority: string };
}

export const DEFAULT_STAFF: StaffOnCall[] = [
  { id: 'rn-ada', name: 'Ada (RN)', role: 'nurse' },
  { id: 'rn-ben', name: 'Ben (RN)', role: 'nurse' },
  { id: 'dr-cho', name: 'Dr Cho', role: 'doctor' },
];

/**
 * A stand-in for the central assignment and dispatch service: subscribes to every gateway's incidents,
 * stores them with de-duplication on eventId, assigns each new incident to the least busy on-call staff
 * member after a delay, and sends the assignment (and RESOLVED when the incident closes) back down.
 */
export class Central {
  private aedes: Aedes | undefined;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private client: MqttClient | undefined;
  private db: Database.Database | undefined;
  private timers = new Set<NodeJS.Timeout>();
  port = 0;
  received = 0;
  duplicates = 0;

  constructor(private readonly o: CentralOptions) {}

  get prefix(): string {
    return this.o.prefix ?? 'wardgate';
  }

  async start(): Promise<void> {
    const db = new Database(this.o.dbPath);
    db.pragma('journal_mode = WAL');
    db.exec(`
      CREATE TABLE IF NOT EXISTS events (event_id TEXT PRIMARY KEY, gateway_id TEXT, gateway_seq INTEGER, incident_id TEXT,
        incident_seq INTEGER, type TEXT, bed TEXT, condition TEXT, priority TEXT, received_at INTEGER, body TEXT);
      CREATE TABLE IF NOT EXISTS assignments (incident_id TEXT PRIMARY KEY, gateway_id TEXT, staff_id TEXT, status TEXT, at INTEGER);
    `);
    this.db = db;
    let url = this.o.url;
    if (!url) {
      const accounts = { ...(this.o.accounts ?? {}), [this.o.username]: this.o.password };
      const aedes = await Aedes.createBroker({
        authenticate: (_client, username, password, done) => {
          const ok = username !== undefined && accounts[username] !== undefined && password?.toString() === accounts[username];
          if (ok) return done(null, true);
          const err = new Error('bad credentials') as AuthenticateError;
          err.returnCode = 4;
          done(err, false);
        },
      });
      this.aedes = aedes;
      const server = createServer((s) => {
        s.setNoDelay(true);
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        aedes.handle(s);
      });
      this.server = server;
      await new Promise<void>((resolve) => server.listen(this.o.embeddedPort ?? 0, this.o.embeddedHost ?? '127.0.0.1', resolve));
      this.port = (server.address() as AddressInfo).port;
      url = `mqtt://127.0.0.1:${this.port}`;
    }
    const client = mqtt.connect(url, { username: this.o.username, password: this.o.password, clientId: `central-${process.pid}`, protocolVersion: 4, reconnectPeriod: 1000 });
    this.client = client;
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    await client.subscribeAsync(`${this.prefix}/+/+/+/incidents`, { qos: 1 });
    client.on('message', (topic, payload) => this.onIncident(topic, payload));
  }

  private onIncident(_topic: string, payload: Buffer): void {
    let ev: IncomingEvent;
    try {
      ev = JSON.parse(payload.toString()) as IncomingEvent;
    } catch {
      return;
    }
    const db = this.db!;
    const inc = ev.incident;
    const r = db
      .prepare(
        `INSERT OR IGNORE INTO events (event_id, gateway_id, gateway_seq, incident_id, incident_seq, type, bed, condition, priority, received_at, body)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(ev.eventId, ev.gatewayId, ev.gatewaySeq, inc.incidentId, inc.incidentSeq, inc.type, inc.bed, inc.condition, inc.priority, Date.now(), payload.toString());
    if (r.changes === 0) {
      this.duplicates += 1;
      return;
    }
    this.received += 1;
    this.o.log?.('central: incident event', { incidentId: inc.incidentId, type: inc.type, bed: inc.bed, condition: inc.condition });
    if (inc.type === 'opened') this.scheduleAssignment(ev);
    if (inc.type === 'closed') this.sendStatus(ev, 'RESOLVED');
  }

  private scheduleAssignment(ev: IncomingEvent): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      const staff = this.leastBusy(ev.incident.priority === 'high' ? 'nurse' : undefined);
      this.db!.prepare(`INSERT OR REPLACE INTO assignments (incident_id, gateway_id, staff_id, status, at) VALUES (?, ?, ?, 'ASSIGNED', ?)`).run(
        ev.incident.incidentId, ev.gatewayId, staff.id, Date.now(),
      );
      this.sendStatus(ev, 'ASSIGNED', staff);
    }, this.o.assignDelayMs ?? 2000);
    this.timers.add(t);
  }

  private leastBusy(role?: string): StaffOnCall {
    const staff = this.o.staff ?? DEFAULT_STAFF;
    const open = this.db!.prepare(`SELECT staff_id AS id, COUNT(*) AS n FROM assignments WHERE status != 'RESOLVED' GROUP BY staff_id`).all() as { id: string; n: number }[];
    const load = new Map(open.map((r) => [r.id, r.n]));
    const pool = staff.filter((s) => !role || s.role === role);
    const candidates = pool.length > 0 ? pool : staff;
    return [...candidates].sort((a, b) => (load.get(a.id) ?? 0) - (load.get(b.id) ?? 0))[0]!;
  }

  private sendStatus(ev: IncomingEvent, status: string, staff?: StaffOnCall): void {
    if (status === 'RESOLVED') this.db!.prepare(`UPDATE assignments SET status = 'RESOLVED', at = ? WHERE incident_id = ?`).run(Date.now(), ev.incident.incidentId);
    const topic = `${this.prefix}/${ev.site}/${ev.ward}/${ev.gatewayId}/down/incident-status`;
    const body = { schema: 'wardgate/incident-status', schemaVersion: 1, incidentId: ev.incident.incidentId, status, ...(staff ? { assignedTo: staff } : {}), at: Date.now() };
    this.client?.publish(topic, JSON.stringify(body), { qos: 1 });
  }

  /** Every distinct event held, in arrival order. */
  events(): Array<{ eventId: string; incidentId: string; incidentSeq: number; type: string; bed: string; condition: string }> {
    return this.db!.prepare(`SELECT event_id AS eventId, incident_id AS incidentId, incident_seq AS incidentSeq, type, bed, condition FROM events ORDER BY rowid`).all() as never;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const client = this.client;
    if (client) await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
    if (this.server) {
      const server = this.server;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of this.sockets) s.destroy();
      await closed;
    }
    const aedes = this.aedes;
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    this.db?.close();
  }
}

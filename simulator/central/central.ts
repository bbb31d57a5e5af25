import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { closeServer, listen } from '../../drivers/core/listen.js';
import { Aedes, type AuthenticateError } from 'aedes';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { createUuidV7 } from '../../rules/ids.js';

export interface StaffOnCall {
  id: string;
  name: string;
  role: string;
  /** Off call staff are chosen only when nobody on call is available (default true). */
  onCall?: boolean;
}

export interface CentralOptions {
  /** Broker to use; omit to embed one (MQTT 3.1.1, aedes) on `embeddedPort`. */
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
  /** Delay before an opened incident is assigned (default 2000 ms). */
  assignDelayMs?: number;
  /** After the assignment: ACKNOWLEDGED after this (default 3000 ms), then IN_PROGRESS after as much again. */
  progressDelayMs?: number;
  /** MQTT client id (a persistent session: events queued while the central was away are delivered). */
  clientId?: string;
  /** Subscribe as a member of this shared-subscription group ($share/<group>/...), for a cluster of centrals. */
  shareGroup?: string;
  protocolVersion?: 4 | 5;
  log?: (msg: string, obj?: Record<string, unknown>) => void;
}

/** An incident event as it arrives (see sync/schema/incident-event.v1.json). */
export interface IncomingEvent {
  eventId: string;
  gatewayId: string;
  site: string;
  ward: string;
  gatewaySeq: number;
  incident: { incidentId: string; incidentSeq: number; type: string; bed: string; condition: string; kind?: string; priority: string };
}

interface GatewayKey {
  gatewayId: string;
  site: string;
  ward: string;
}

export const DEFAULT_STAFF: StaffOnCall[] = [
  { id: 'rn-ada', name: 'Ada (RN)', role: 'nurse' },
  { id: 'rn-ben', name: 'Ben (RN)', role: 'nurse' },
  { id: 'dr-cho', name: 'Dr Cho', role: 'doctor' },
  { id: 'tech-dee', name: 'Dee (biomed)', role: 'technician' },
];

/** Which role answers an incident: equipment faults go to a technician, patient alarms to a nurse. */
export function roleFor(incident: { kind?: string; condition: string }): string {
  return incident.kind === 'technical' ? 'technician' : 'nurse';
}

/**
 * The reference central assignment and dispatch service (`wardgate-sim central`). It subscribes to every
 * gateway's incidents on the upstream broker (or takes HTTPS batches), stores them in its own SQLite with
 * de-duplication on eventId, assigns each opened incident after a delay to the least busy on-call staff
 * member of the right role (falling back to anyone on call, then anyone), sends ASSIGNED, ACKNOWLEDGED and
 * IN_PROGRESS down, and RESOLVED when the gateway closes the incident. Admit/discharge can be sent down too.
 */
export class Central {
  private aedes: Aedes | undefined;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private client: MqttClient | undefined;
  private db: Database.Database | undefined;
  private timers = new Set<NodeJS.Timeout>();
  private readonly newId = createUuidV7();
  /** Gateways that talk HTTPS: their downlink waits here for the next answer. */
  private readonly httpDown = new Map<string, unknown[]>();
  private insertEvent: Database.Statement | undefined;
  port = 0;
  received = 0;
  duplicates = 0;

  constructor(private readonly o: CentralOptions) {}

  get prefix(): string {
    return this.o.prefix ?? 'wardgate';
  }

  /** Opens the store only (to print what it holds). */
  async open(): Promise<void> {
    this.openDb();
  }

  async start(): Promise<void> {
    this.openDb();
    let url = this.o.url;
    if (!url) url = await this.startEmbeddedBroker();
    const v = this.o.protocolVersion ?? (this.o.url ? 5 : 4);
    const client = mqtt.connect(url, {
      username: this.o.username,
      password: this.o.password,
      clientId: this.o.clientId ?? `wardgate-central-${process.pid}`,
      protocolVersion: v,
      clean: false,
      ...(v === 5 ? { properties: { sessionExpiryInterval: 3600 } } : {}),
      reconnectPeriod: 500,
    });
    this.client = client;
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    const share = this.o.shareGroup ? `$share/${this.o.shareGroup}/` : '';
    await client.subscribeAsync(
      { [`${share}${this.prefix}/+/+/+/incidents`]: { qos: 1 }, [`${this.prefix}/+/+/+/heartbeat`]: { qos: 0 }, [`${this.prefix}/+/+/+/status`]: { qos: 1 } },
    );
  }

  private openDb(): void {
    const db = new Database(this.o.dbPath);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`
      CREATE TABLE IF NOT EXISTS events (event_id TEXT PRIMARY KEY, gateway_id TEXT, site TEXT, ward TEXT, gateway_seq INTEGER, incident_id TEXT,
        incident_seq INTEGER, type TEXT, bed TEXT, condition TEXT, priority TEXT, received_at INTEGER, body TEXT);
      CREATE INDEX IF NOT EXISTS events_incident ON events (incident_id, incident_seq);
      CREATE TABLE IF NOT EXISTS assignments (incident_id TEXT PRIMARY KEY, gateway_id TEXT, staff_id TEXT, status TEXT, at INTEGER);
      CREATE TABLE IF NOT EXISTS gateways (gateway_id TEXT PRIMARY KEY, site TEXT, ward TEXT, state TEXT, heartbeat TEXT, updated_at INTEGER);
    `);
    this.insertEvent = db.prepare(
      `INSERT OR IGNORE INTO events (event_id, gateway_id, site, ward, gateway_seq, incident_id, incident_seq, type, bed, condition, priority, received_at, body)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db = db;
  }

  private async startEmbeddedBroker(): Promise<string> {
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
    this.port = await listen(server, this.o.embeddedPort ?? 0, this.o.embeddedHost ?? '127.0.0.1');
    return `mqtt://127.0.0.1:${this.port}`;
  }

  private onMessage(topic: string, payload: Buffer): void {
    const kind = topic.slice(topic.lastIndexOf('/') + 1);
    let body: unknown;
    try {
      body = JSON.parse(payload.toString());
    } catch {
      return;
    }
    if (kind === 'incidents') this.ingest(body, payload.toString());
    else if (kind === 'heartbeat' || kind === 'status') this.gatewayInfo(topic, kind, body);
  }

  private gatewayInfo(topic: string, kind: 'heartbeat' | 'status', body: unknown): void {
    const parts = topic.split('/');
    const [site, ward, gatewayId] = parts.slice(-4, -1);
    if (!gatewayId) return;
    const b = body as { state?: string };
    this.db!.prepare(
      `INSERT INTO gateways (gateway_id, site, ward, state, heartbeat, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(gateway_id) DO UPDATE SET state = COALESCE(excluded.state, gateways.state), heartbeat = COALESCE(excluded.heartbeat, gateways.heartbeat), updated_at = excluded.updated_at`,
    ).run(gatewayId, site, ward, kind === 'status' ? (b.state ?? null) : null, kind === 'heartbeat' ? JSON.stringify(body) : null, Date.now());
  }

  /** Stores one incident event (once per eventId) and acts on it; false for a duplicate or a malformed event. */
  ingest(body: unknown, raw = JSON.stringify(body)): boolean {
    const ev = body as IncomingEvent;
    const inc = ev?.incident;
    if (!inc || typeof ev.eventId !== 'string' || typeof inc.incidentId !== 'string') return false;
    const r = this.insertEvent!.run(
      ev.eventId, ev.gatewayId, ev.site, ev.ward, ev.gatewaySeq, inc.incidentId, inc.incidentSeq, inc.type, inc.bed, inc.condition, inc.priority, Date.now(), raw,
    );
    if (r.changes === 0) {
      this.duplicates += 1;
      return false;
    }
    this.received += 1;
    this.o.log?.('central: incident event', { incidentId: inc.incidentId, type: inc.type, bed: inc.bed, condition: inc.condition });
    if (inc.type === 'opened') this.scheduleAssignment(ev);
    if (inc.type === 'closed') this.resolve(ev);
    return true;
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.db?.open) fn();
    }, ms);
    this.timers.add(t);
  }

  private statusOf(incidentId: string): string | undefined {
    return (this.db!.prepare('SELECT status FROM assignments WHERE incident_id = ?').get(incidentId) as { status: string } | undefined)?.status;
  }

  private scheduleAssignment(ev: IncomingEvent): void {
    const progress = this.o.progressDelayMs ?? 3000;
    this.later(this.o.assignDelayMs ?? 2000, () => {
      if (this.statusOf(ev.incident.incidentId) === 'RESOLVED') return;
      const staff = this.leastBusy(roleFor(ev.incident));
      this.db!.prepare(`INSERT OR REPLACE INTO assignments (incident_id, gateway_id, staff_id, status, at) VALUES (?, ?, ?, 'ASSIGNED', ?)`).run(
        ev.incident.incidentId, ev.gatewayId, staff.id, Date.now(),
      );
      this.sendStatus(ev, 'ASSIGNED', staff);
      this.later(progress, () => this.advance(ev, 'ASSIGNED', 'ACKNOWLEDGED'));
      this.later(progress * 2, () => this.advance(ev, 'ACKNOWLEDGED', 'IN_PROGRESS'));
    });
  }

  private advance(ev: IncomingEvent, from: string, to: string): void {
    if (this.statusOf(ev.incident.incidentId) !== from) return;
    this.db!.prepare('UPDATE assignments SET status = ?, at = ? WHERE incident_id = ?').run(to, Date.now(), ev.incident.incidentId);
    this.sendStatus(ev, to);
  }

  private resolve(ev: IncomingEvent): void {
    this.db!.prepare(
      `INSERT INTO assignments (incident_id, gateway_id, staff_id, status, at) VALUES (?, ?, NULL, 'RESOLVED', ?)
       ON CONFLICT(incident_id) DO UPDATE SET status = 'RESOLVED', at = excluded.at`,
    ).run(ev.incident.incidentId, ev.gatewayId, Date.now());
    this.sendStatus(ev, 'RESOLVED');
  }

  /** Least busy staff member of `role` on call; else anyone on call; else anyone. */
  leastBusy(role: string): StaffOnCall {
    const staff = this.o.staff ?? DEFAULT_STAFF;
    const open = this.db!.prepare(`SELECT staff_id AS id, COUNT(*) AS n FROM assignments WHERE status != 'RESOLVED' AND staff_id IS NOT NULL GROUP BY staff_id`).all() as { id: string; n: number }[];
    const load = new Map(open.map((r) => [r.id, r.n]));
    const onCall = staff.filter((s) => s.onCall !== false);
    const ofRole = onCall.filter((s) => s.role === role);
    const pool = ofRole.length > 0 ? ofRole : onCall.length > 0 ? onCall : staff;
    return [...pool].sort((a, b) => (load.get(a.id) ?? 0) - (load.get(b.id) ?? 0) || a.id.localeCompare(b.id))[0]!;
  }

  private sendStatus(ev: IncomingEvent, status: string, staff?: StaffOnCall): void {
    const now = Date.now();
    this.sendDown(ev, 'incident-status', {
      schema: 'wardgate/incident-status',
      schemaVersion: 1,
      messageId: this.newId(now),
      incidentId: ev.incident.incidentId,
      status,
      ...(staff ? { assignedTo: { id: staff.id, name: staff.name, role: staff.role } } : {}),
      at: now,
    });
  }

  /** Binds a patient to a bed on a gateway (admit) or frees the bed (discharge). */
  admission(gw: GatewayKey, action: 'admit' | 'discharge', bed: string, patient?: { id: string; name?: string }): Record<string, unknown> {
    const now = Date.now();
    const body = { schema: 'wardgate/admission', schemaVersion: 1, messageId: this.newId(now), action, bed, ...(patient ? { patient } : {}), at: now };
    this.sendDown(gw, 'admission', body);
    return body;
  }

  private sendDown(gw: GatewayKey, kind: 'incident-status' | 'admission', body: Record<string, unknown>): void {
    let queue = this.httpDown.get(gw.gatewayId);
    if (!queue && !this.client) this.httpDown.set(gw.gatewayId, (queue = [])); // HTTP only: held for its next call
    if (queue) {
      queue.push(body);
      return;
    }
    this.client?.publish(`${this.prefix}/${gw.site}/${gw.ward}/${gw.gatewayId}/down/${kind}`, JSON.stringify(body), { qos: 1 });
  }

  /**
   * A request handler for gateways on the HTTPS transport: POST /v1/incidents (a batch; de-duplicated on
   * eventId; Idempotency-Key is accepted), /v1/heartbeat and /v1/status. Answers 200 with the gateway's
   * pending downlink in `down`.
   */
  httpHandler(): (req: IncomingMessage, res: ServerResponse) => void {
    return (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        } catch {
          res.writeHead(400).end('{"error":"not JSON"}');
          return;
        }
        const gatewayId = String(body.gatewayId ?? '');
        if (!this.httpDown.has(gatewayId)) this.httpDown.set(gatewayId, []);
        if (req.url === '/v1/incidents' && Array.isArray(body.events)) for (const e of body.events) this.ingest(e);
        else if (req.url === '/v1/heartbeat') this.gatewayInfo(`${this.prefix}/${String(body.site)}/${String(body.ward)}/${gatewayId}/heartbeat`, 'heartbeat', body);
        else if (req.url === '/v1/status') this.gatewayInfo(`${this.prefix}/_/_/${gatewayId}/status`, 'status', body);
        const down = this.httpDown.get(gatewayId)!.splice(0);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ ok: true, down }));
      });
    };
  }

  /** Every distinct event held, in arrival order. */
  events(): Array<{ eventId: string; gatewayId: string; incidentId: string; incidentSeq: number; type: string; bed: string; condition: string; body: string }> {
    return this.db!.prepare(
      `SELECT event_id AS eventId, gateway_id AS gatewayId, incident_id AS incidentId, incident_seq AS incidentSeq, type, bed, condition, body FROM events ORDER BY rowid`,
    ).all() as never;
  }

  /** Incidents whose held sequence is not exactly 1..n (a gap or a missing first event). */
  gaps(): Array<{ incidentId: string; seqs: number[] }> {
    const rows = this.db!.prepare('SELECT incident_id AS id, GROUP_CONCAT(incident_seq) AS seqs FROM (SELECT incident_id, incident_seq FROM events ORDER BY incident_id, incident_seq) GROUP BY incident_id').all() as { id: string; seqs: string }[];
    return rows
      .map((r) => ({ incidentId: r.id, seqs: r.seqs.split(',').map(Number) }))
      .filter((r) => r.seqs.some((s, i) => s !== i + 1));
  }

  /** What the central holds, as text: per incident its events, status and who is assigned. */
  report(): string {
    const rows = this.db!.prepare(
      `SELECT e.gateway_id AS gw, e.incident_id AS id, MIN(e.bed) AS bed, MIN(e.condition) AS condition, MAX(e.priority) AS priority,
              COUNT(*) AS events, MAX(e.incident_seq) AS lastSeq, a.status AS status, a.staff_id AS staff
       FROM events e LEFT JOIN assignments a ON a.incident_id = e.incident_id GROUP BY e.incident_id ORDER BY MIN(e.rowid)`,
    ).all() as Array<Record<string, string | number | null>>;
    const gws = this.db!.prepare('SELECT gateway_id AS gw, state, updated_at AS at FROM gateways ORDER BY gateway_id').all() as Array<Record<string, string | number | null>>;
    const lines = [
      `events held: ${this.countEvents()}, incidents: ${rows.length}, duplicates dropped this run: ${this.duplicates}`,
      '| gateway | incident | bed | condition | priority | events | last seq | status | assigned |',
      '|---|---|---|---|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.gw} | ${r.id} | ${r.bed} | ${r.condition} | ${r.priority} | ${r.events} | ${r.lastSeq} | ${r.status ?? 'NEW'} | ${r.staff ?? '-'} |`),
      '',
      '| gateway | status | last heard |',
      '|---|---|---|',
      ...gws.map((g) => `| ${g.gw} | ${g.state ?? '?'} | ${g.at ? new Date(Number(g.at)).toISOString() : '-'} |`),
    ];
    return lines.join('\n');
  }

  countEvents(): number {
    return (this.db!.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const client = this.client;
    if (client) await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
    await closeServer(this.server, this.sockets);
    const aedes = this.aedes;
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    this.db?.close();
  }
}

import { createServer, type Server, type Socket } from 'node:net';
import { closeServer, listen } from '../../drivers/core/listen.js';
import { Aedes, type Client, type AuthenticateError } from 'aedes';
import { RateLimitedLog, type Logger } from '../log.js';
import { topicAllowed, type Principal } from './acl.js';
import { useUncachedPacketNumbers } from './packet-number-cache.js';
import { PacketSizeGuard } from './packet-size-guard.js';
import { TurnSlicer } from './turn-slicer.js';
import { verifiedPeerName } from '../tls/peer-identity.js';
import { TlsListener, type TlsListenerOptions } from '../tls/tls-server.js';

export type { Principal } from './acl.js';

export interface BrokerCounters {
  authFailures: number;
  aclDenied: number;
  oversize: number;
  rateLimited: number;
  /** Connections closed at accept because their address already had too many unauthenticated ones. */
  connectionsRefused: number;
  /** Clients disconnected for a hostile act: a packet over the size limit at its header, or far over the rate. */
  disconnected: number;
  /** Logins refused because the account already had its maximum of sessions. */
  accountSessionsFull: number;
  /** Logins refused because too many password checks were pending, or the account was backing off after failures. */
  loginsBusy: number;
  /** Logins whose client had gone before its check finished (nothing answered). */
  loginsAbandoned: number;
  /** Subscriptions answered with SUBACK failure 0x80 (beyond the account's ACL). */
  subscribeDenied: number;
  /** TLS handshakes or client certificates refused on the MQTTS listener. */
  tlsRefused: number;
}

/** A login's outcome: the principal, refused for bad credentials (null), or refused for now ('busy': retry later). */
export type LoginResult = Principal | null | 'busy';

/** Room in a packet beyond its payload: fixed and variable header, topic, MQTT 5 properties, credentials. */
const PACKET_OVERHEAD_BYTES = 1024;

export interface BrokerOptions {
  host: string;
  port: number;
  maxPayloadBytes: number;
  maxMessagesPerSecond: number;
  maxConnections?: number;
  /** Connections per remote address that may wait unauthenticated at once (a connection flood holds no more). */
  maxPendingPerAddress?: number;
  /**
   * Checks credentials; may take time (hashed secrets are verified off the event loop). `certName`: the subject CN
   * of a verified client certificate (TLS listener only); `alive`: whether the client is still there.
   */
  authenticate: (username: string, password: string, certName: string | undefined, alive: () => boolean) => Promise<LoginResult>;
  /** Sessions one account may hold at once (a device has one, a nurse-call system a few). Default 8. */
  maxSessionsPerAccount?: number;
  /** A second listener speaking MQTT over TLS (gateway/tls/tls-server.ts); same clients, same rules. */
  tls?: Omit<TlsListenerOptions, 'name' | 'log' | 'maxConnections' | 'onRefused'>;
  /** Called for every accepted device publish, synchronously, before the broker acknowledges it. */
  onDevicePublish: (deviceId: string, topic: string, payload: Buffer) => void;
  onDeviceConnection?: (deviceId: string, connected: boolean) => void;
  log: Logger;
}

interface ClientState {
  principal: Principal;
  windowStart: number;
  count: number;
}

/**
 * The embedded MQTT broker (aedes, MQTT 3.1.1) that wearables publish to. Every client authenticates;
 * a device may publish only `vitals/<its id>` and `events/<its id>`; service accounts may only subscribe to
 * their configured filters. Oversize and over-rate publishes are dropped and counted.
 */
export class EmbeddedBroker {
  readonly counters: BrokerCounters = {
    authFailures: 0, aclDenied: 0, oversize: 0, rateLimited: 0, connectionsRefused: 0, disconnected: 0,
    accountSessionsFull: 0, loginsBusy: 0, loginsAbandoned: 0, subscribeDenied: 0, tlsRefused: 0,
  };
  /** Authenticated sessions per account. */
  private readonly accountSessions = new Map<string, number>();
  private readonly limited: RateLimitedLog;
  /** Unauthenticated sockets per remote address. */
  private readonly pending = new Map<string, number>();
  private readonly pendingSockets = new Map<Socket, string>();
  private aedes: Aedes | undefined;
  private server: Server | undefined;
  private readonly clients = new WeakMap<Client, ClientState>();
  private readonly sockets = new Set<Socket>();
  private boundPort = 0;
  private tlsListener: TlsListener | undefined;
  /** New sockets, CONNECTs and the refusals decided when a check resolves: a bounded slice per event-loop turn. */
  private readonly slicer: TurnSlicer;

  constructor(private readonly opts: BrokerOptions) {
    useUncachedPacketNumbers();
    this.limited = new RateLimitedLog(opts.log);
    this.slicer = new TurnSlicer({ onError: (err) => opts.log.error({ err }, 'broker: handling a connection failed') });
  }

  get port(): number {
    return this.boundPort;
  }

  get listening(): boolean {
    return this.server?.listening === true && (!this.opts.tls || this.tlsListener?.listening === true);
  }

  /** The MQTTS port, 0 without TLS. */
  get tlsPort(): number {
    return this.tlsListener?.port ?? 0;
  }

  /** SIGHUP: new certificate and key for new TLS connections; no client on either listener is dropped. */
  reloadTls(): void {
    this.tlsListener?.reload();
  }

  get connectedClients(): number {
    return this.aedes?.connectedClients ?? 0;
  }

  async start(): Promise<number> {
    const o = this.opts;
    const aedes = await Aedes.createBroker({
      id: 'wardgate',
      drainTimeout: 5_000,
      // mqemitter's bounded concurrency queues publishes behind slow subscribers and then drains the queue by
      // recursion: under a flood that overflowed the stack (found by the overload benchmark). Unbounded here;
      // each subscriber is still bounded by queueLimit and drainTimeout, and devices cannot subscribe at all.
      concurrency: 0,
      queueLimit: 100,
      connectTimeout: 10_000,
      // The CONNECT of each client is taken up a slice per turn: a thousand clients that connect and then send their
      // CONNECT packets at once would otherwise all be checked (and most refused) in one turn.
      preConnect: (_client, _packet, callback) => this.slicer.run(() => callback(null, true)),
      authenticate: (client, username, password, done) => {
        const socket = client.conn as Socket;
        // A refusal is a CONNACK, then aedes closing the client. Decided here, at once, it is answered at once (this
        // runs for at most one slice of CONNECTs per turn). Decided when a credential check resolves, it is queued on
        // the slicer: the logins that shared one check all resolve together, and answering them all in that turn
        // would hold the event loop that turns samples into alarms for as long as they take.
        let inCall = true;
        const answerRefusal = (returnCode: 3 | 4 | 5, message: string) => {
          this.authenticated(socket);
          const err = new Error(message) as AuthenticateError;
          err.returnCode = returnCode;
          done(err, false);
        };
        const refuse = (returnCode: 3 | 4 | 5, message: string) => {
          if (inCall) answerRefusal(returnCode, message);
          else this.slicer.run(() => answerRefusal(returnCode, message));
        };
        const certName = verifiedPeerName(client.conn);
        if (!(username && password) && !certName) {
          this.counters.authFailures += 1;
          this.limited.warn(`auth:${username ?? ''}`, { clientId: client.id, username }, 'broker: login without credentials refused');
          return refuse(4, 'bad username or password');
        }
        const account = username || certName || '';
        const full = (name = account) => (this.accountSessions.get(name) ?? 0) >= (o.maxSessionsPerAccount ?? 8);
        const refuseFull = () => {
          this.counters.accountSessionsFull += 1;
          this.limited.warn(`full:${account}`, { username: account, sessions: this.accountSessions.get(account) ?? 0 }, 'broker: account has its maximum of sessions, login refused');
          refuse(3, 'too many sessions for this account');
        };
        if (full()) return refuseFull();
        // Only logins that pass hold one of the account's sessions (until their socket closes): a flood of wrong
        // passwords on an account cannot use up its sessions.
        let held: string | undefined;
        const release = () => {
          if (held === undefined) return;
          const n = (this.accountSessions.get(held) ?? 1) - 1;
          if (n <= 0) this.accountSessions.delete(held);
          else this.accountSessions.set(held, n);
          held = undefined;
        };
        const check = socket.destroyed
          ? Promise.resolve<LoginResult | 'gone'>('gone')
          : o.authenticate(username ?? '', password?.toString('utf8') ?? '', certName, () => !socket.destroyed);
        inCall = false;
        check.then(
          (result) => {
            if (result === 'gone' || socket.destroyed) {
              this.counters.loginsAbandoned += 1;
              return refuse(3, 'client gone');
            }
            if (result === 'busy') {
              this.counters.loginsBusy += 1;
              this.limited.warn(`busy:${account}`, { username: account, counters: { ...this.counters } }, 'broker: login refused for now (checks pending or account backing off after failures)');
              return refuse(3, 'server busy, retry');
            }
            if (!result) {
              this.counters.authFailures += 1;
              this.limited.warn(`auth:${account}`, { clientId: client.id, username }, 'broker: bad credentials');
              return refuse(4, 'bad username or password');
            }
            if (full(result.name)) return refuseFull();
            this.authenticated(socket);
            held = result.name;
            this.accountSessions.set(held, (this.accountSessions.get(held) ?? 0) + 1);
            socket.once('close', release);
            this.clients.set(client, { principal: result, windowStart: Date.now(), count: 0 });
            done(null, true);
          },
          (err: unknown) => {
            o.log.error({ err }, 'broker: credential check failed');
            refuse(3, 'server error');
          },
        );
      },
      authorizePublish: (client, packet, callback) => {
        if (!client) return callback(null);
        const state = this.clients.get(client);
        if (!state || !topicAllowed(state.principal, packet.topic, 'publish')) {
          this.counters.aclDenied += 1;
          o.log.warn({ clientId: client.id, topic: packet.topic }, 'broker: publish denied by ACL, disconnecting');
          return callback(new Error('not authorised'));
        }
        const payload = packet.payload as Buffer;
        if (payload.length > o.maxPayloadBytes) {
          this.counters.oversize += 1;
          return callback(new Error('payload too large'));
        }
        const now = Date.now();
        if (now - state.windowStart >= 1000) {
          state.windowStart = now;
          state.count = 0;
        }
        state.count += 1;
        // Patient events (a fall) are never throttled: only vitals are shed when a device is over its rate.
        const isEvent = packet.topic.startsWith('events/');
        if (state.count > o.maxMessagesPerSecond && !isEvent) {
          this.counters.rateLimited += 1;
          if (state.count > o.maxMessagesPerSecond * 5) {
            this.counters.disconnected += 1;
            o.log.warn({ clientId: client.id, perSecond: state.count, counters: { ...this.counters } }, 'broker: rate far over the limit, disconnecting');
            return callback(new Error('rate limit'));
          }
          return callback(null);
        }
        try {
          o.onDevicePublish(state.principal.name, packet.topic, payload);
        } catch (err) {
          o.log.error({ err, topic: packet.topic }, 'broker: ingest failed');
        }
        callback(null);
      },
      authorizeSubscribe: (client, sub, callback) => {
        const state = this.clients.get(client);
        if (!state || !topicAllowed(state.principal, sub.topic, 'subscribe')) {
          // MQTT 3.1.1 section 3.9.3: a refused subscription is answered with return code 0x80 in the SUBACK, the
          // client stays connected (a disconnect makes clients such as mosquitto_sub reconnect in a loop).
          this.counters.aclDenied += 1;
          this.counters.subscribeDenied += 1;
          this.limited.warn(`subscribe:${client.id}`, { clientId: client.id, account: state?.principal.name, topic: sub.topic }, 'broker: subscription beyond the ACL refused (SUBACK 0x80)');
          return callback(null, null);
        }
        callback(null, sub);
      },
    });
    aedes.on('clientReady', (client) => {
      const s = this.clients.get(client);
      if (s?.principal.kind === 'device') o.onDeviceConnection?.(s.principal.name, true);
    });
    aedes.on('clientDisconnect', (client) => {
      const s = this.clients.get(client);
      if (s?.principal.kind === 'device') o.onDeviceConnection?.(s.principal.name, false);
    });
    this.aedes = aedes;
    const server = createServer({ pauseOnConnect: true }, (socket) => this.accept(socket));
    server.maxConnections = o.maxConnections ?? 500;
    this.server = server;
    this.boundPort = await listen(server, o.port, o.host);
    if (o.tls) {
      this.tlsListener = new TlsListener({ ...o.tls, name: 'broker', log: o.log, maxConnections: o.maxConnections ?? 500, onRefused: () => (this.counters.tlsRefused += 1) }, (socket) => this.accept(socket));
      await this.tlsListener.start();
    }
    return this.boundPort;
  }

  /** A new connection on either listener: per-address limits, the packet size guard, then aedes. */
  private accept(socket: Socket): void {
    const o = this.opts;
    const aedes = this.aedes;
    if (!aedes) {
      socket.destroy();
      return;
    }
    const maxPending = o.maxPendingPerAddress ?? 64;
    const maxRemaining = o.maxPayloadBytes + PACKET_OVERHEAD_BYTES;
    const address = socket.remoteAddress ?? '?';
    if ((this.pending.get(address) ?? 0) >= maxPending) {
      this.counters.connectionsRefused += 1;
      if (this.counters.connectionsRefused % 100 === 1) o.log.warn({ address, counters: { ...this.counters } }, 'broker: too many unauthenticated connections from one address, refusing');
      socket.destroy();
      return;
    }
    this.pending.set(address, (this.pending.get(address) ?? 0) + 1);
    this.pendingSockets.set(socket, address);
    // Small alarm messages must not wait for Nagle's algorithm.
    socket.setNoDelay(true);
    this.sockets.add(socket);
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.authenticated(socket);
    });
    // Sockets are handed to aedes (which starts reading them) a slice per turn, so that a thousand connections accepted
    // at once are not all set up and read in one turn; the plain listener accepts paused (pauseOnConnect) for this.
    this.slicer.run(() => {
      if (socket.destroyed || this.aedes !== aedes) return;
      aedes.handle(socket);
      // A passive tap (aedes reads in paused mode, so 'data' sees each chunk it reads, before it parses it):
      // a packet declaring more than the limit is cut off at its header instead of being buffered whole.
      const guard = new PacketSizeGuard(maxRemaining);
      socket.on('data', (chunk: Buffer) => {
        const verdict = guard.feed(chunk);
        if (verdict === 'ok' || socket.destroyed) return;
        this.counters.oversize += 1;
        this.counters.disconnected += 1;
        o.log.warn({ address, verdict, declaredBytes: guard.largestDeclared, counters: { ...this.counters } }, 'broker: packet over the size limit, disconnecting');
        socket.destroy();
      });
    });
  }

  /** The socket finished (or abandoned) authentication: it no longer counts against its address's pending limit. */
  private authenticated(socket: Socket): void {
    const address = this.pendingSockets.get(socket);
    if (address === undefined) return;
    this.pendingSockets.delete(socket);
    const n = (this.pending.get(address) ?? 1) - 1;
    if (n <= 0) this.pending.delete(address);
    else this.pending.set(address, n);
  }

  /** Publishes from the gateway itself (alarms), QoS 1. Resolves once handed to all subscribers. */
  publish(topic: string, payload: string, qos: 0 | 1 = 1, retain = false): Promise<void> {
    const aedes = this.aedes;
    if (!aedes || aedes.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain, dup: false }, (err) => (err ? reject(err) : resolve()));
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    const aedes = this.aedes;
    this.server = undefined;
    this.aedes = undefined;
    await this.tlsListener?.stop();
    this.tlsListener = undefined;
    await closeServer(server, this.sockets);
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
  }
}

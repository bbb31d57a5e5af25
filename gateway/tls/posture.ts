import type { Registry } from 'prom-client';
import type { GatewayConfig } from '../../config/schema.js';
import { plaintextListeners } from '../../config/network-schema.js';
import type { Logger } from '../log.js';
import { CertificateReader, expiryNotices, registerCertificateExpiry, type ExpiryNotice } from './expiry.js';
import { certificateSources, type TlsReloadable } from './listener-options.js';

export interface SecurityNotice {
  level: 'warn' | 'bad';
  text: string;
}

/**
 * The gateway's security posture as operators see it: a warning at every start for each plaintext listener the
 * config opted into on the ward network, certificate expiry in the log, on /metrics and on the screen's status line.
 */
export class SecurityPosture {
  private readonly reader = new CertificateReader();

  constructor(
    private readonly config: GatewayConfig,
    private readonly log: Logger,
    registry: Registry,
    private readonly now: () => number = Date.now,
  ) {
    registerCertificateExpiry(registry, () => certificateSources(this.config), this.reader, now);
  }

  /** Logged at every start (and after each certificate reload for the expiry part). */
  logAtStart(): void {
    for (const l of plaintextListeners(this.config)) {
      if (l.allowed) this.log.warn({ field: l.path.join('.'), host: l.host }, `security: ${l.what} on the ward network at ${l.host} (allowPlaintextOnNetwork is true)`);
    }
    this.logExpiry();
  }

  logExpiry(): void {
    for (const n of this.expiry()) (n.level === 'bad' ? this.log.error.bind(this.log) : this.log.warn.bind(this.log))({ use: n.use }, `security: ${n.text}`);
  }

  /** For the screen's status line. */
  notices(): SecurityNotice[] {
    const plain = plaintextListeners(this.config)
      .filter((l) => l.allowed)
      .map((l): SecurityNotice => ({ level: 'warn', text: `Plaintext ${l.path[0] === 'broker' ? 'MQTT' : l.path[0] === 'screen' ? 'HTTP' : 'HL7'} on ward network` }));
    return [...plain, ...this.expiry().map(({ level, text }) => ({ level, text }))];
  }

  private expiry(): ExpiryNotice[] {
    return expiryNotices(certificateSources(this.config).map((s) => this.reader.read(s)), this.now());
  }

  /** SIGHUP: each listener re-reads its certificate; one that fails keeps its old certificate and says why. */
  reload(listeners: TlsReloadable[]): void {
    for (const l of listeners) {
      try {
        l.reloadTls?.();
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'security: certificate reload failed; the listener keeps its previous certificate');
      }
    }
    if (certificateSources(this.config).length > 0) {
      this.log.info({ certificates: certificateSources(this.config).map((s) => s.use) }, 'security: certificates reloaded');
      this.logExpiry();
    }
  }
}

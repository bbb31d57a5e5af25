import type { Server, Socket } from 'node:net';
import type { Logger } from '../log.js';
import { loadServerTls } from './certificates.js';
import { TlsListener } from './tls-server.js';

/** MLLP over TLS: the HL7 listener's server, built by the gateway (drivers know nothing of certificates). */
export function hl7TlsServer(t: { cert: string; key: string; clientCa?: string | undefined }, host: string, log: Logger): { createServer: (accept: (socket: Socket) => void) => Server; reload: () => void } {
  let listener: TlsListener | undefined;
  return {
    createServer: (accept) => {
      // A sender CA set means senders must prove who they are: no certificate, no connection.
      listener = new TlsListener({ name: 'hl7', host, port: 0, clientCert: t.clientCa !== undefined ? 'required' : 'off', log, load: () => loadServerTls(t) }, accept);
      return listener.createServer();
    },
    reload: () => listener?.reload(),
  };
}

import type { GatewayConfig } from '../../config/schema.js';
import { loadServerTls } from './certificates.js';

/**
 * The TLS files a config names, checked as the listeners will load them (readable, PEM, key matching certificate),
 * each problem with the path of its field, so `config check` and start-up refuse them like any bad field (exit 78).
 */
export function tlsFileProblems(c: GatewayConfig): string[] {
  const listeners: Array<[string, { cert: string; key: string; clientCa?: string | undefined } | undefined]> = [
    ['broker.tls', c.broker.tls],
    ['screen.tls', c.screen.tls],
    ['hl7Listener.tls', c.hl7Listener.enabled ? c.hl7Listener.tls : undefined],
  ];
  const problems: string[] = [];
  for (const [field, files] of listeners) {
    if (!files) continue;
    try {
      loadServerTls(files);
    } catch (err) {
      problems.push(`${field}: ${(err as Error).message}`);
    }
  }
  return problems;
}

import { TLSSocket } from 'node:tls';

/**
 * The subject common name of a verified client certificate on a TLS connection; undefined on plain connections,
 * without a certificate, or when the certificate did not verify against the listener's client CA.
 */
export function verifiedPeerName(socket: unknown): string | undefined {
  if (!(socket instanceof TLSSocket) || !socket.authorized) return undefined;
  const cn = socket.getPeerCertificate()?.subject?.CN;
  return typeof cn === 'string' && cn.length > 0 ? cn : undefined;
}

/** A client presented a certificate that did not verify (wrong CA, expired, not yet valid): the reason in words. */
export function refusedPeerCertificate(socket: TLSSocket): string | undefined {
  if (socket.authorized) return undefined;
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return undefined; // no certificate offered: password login applies
  return describeTlsError(String(socket.authorizationError ?? 'not verified'));
}

const REASONS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'the certificate has expired',
  CERT_NOT_YET_VALID: 'the certificate is not yet valid',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the certificate is not issued by the trusted CA',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the certificate is not issued by the trusted CA',
  UNABLE_TO_GET_ISSUER_CERT: 'the certificate is not issued by the trusted CA',
  SELF_SIGNED_CERT_IN_CHAIN: 'the certificate chains to an untrusted self-signed CA',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is self-signed and not trusted',
  CERT_SIGNATURE_FAILURE: 'the certificate signature does not verify',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED: "the client says this gateway's certificate has expired",
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: "the client does not trust the CA of this gateway's certificate",
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: "the client rejected this gateway's certificate",
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN: "the client rejected this gateway's certificate",
  ERR_SSL_UNSUPPORTED_PROTOCOL: 'the client offered only a TLS version older than 1.2',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the client did not speak TLS (plain MQTT or HTTP on the TLS port?)',
  ERR_SSL_HTTP_REQUEST: 'the client sent plain HTTP to the TLS port',
  ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE: 'the client sent no certificate',
  ECONNRESET: 'the client closed the connection during the handshake',
};

/** A TLS verification code or handshake error, in words with the code kept. */
export function describeTlsError(codeOrMessage: string): string {
  const reason = REASONS[codeOrMessage];
  return reason ? `${reason} (${codeOrMessage})` : codeOrMessage;
}

/** A handshake failure event's error, in words. */
export function describeHandshakeError(err: Error & { code?: string }): string {
  if (err.code && REASONS[err.code]) return describeTlsError(err.code);
  return err.message;
}

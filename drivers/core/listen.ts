import type { AddressInfo, Server, Socket } from 'node:net';

/**
 * Starts `server` (TCP, TLS, HTTP or HTTPS: all are net.Server) listening and resolves with the bound port (`port`
 * 0 picks a free one). A listen failure (EADDRINUSE, EACCES) rejects instead of being emitted; later errors are the
 * caller's to handle.
 */
export function listen(server: Server, port: number, host?: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    const ready = (): void => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    };
    if (host === undefined) server.listen(port, ready);
    else server.listen(port, host, ready);
  });
}

/** Stops accepting, drops the open connections and resolves once the server has closed (at once without one). */
export async function closeServer(server: Server | undefined, sockets: Iterable<Socket> = []): Promise<void> {
  if (!server) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const s of sockets) s.destroy();
  await closed;
}

import { createServer, type AddressInfo } from 'node:net';

/**
 * A loopback port that was free a moment ago (bind port 0, release it). Another process can take
 * it first: callers that start a server on it retry with a fresh one when it exits early.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

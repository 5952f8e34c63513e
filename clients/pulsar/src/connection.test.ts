import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PulsarConnection } from './connection.js';
import { PulsarTimeoutError } from './errors.js';

describe('PulsarConnection timeouts', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it('fails the handshake with a timeout when the server never answers CONNECT', async () => {
    server = createServer(() => undefined); // accepts and stays silent
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const address = server.address() as { port: number };
    const opening = PulsarConnection.open({
      physicalUrl: `pulsar://127.0.0.1:${address.port}`,
      connectTimeoutMs: 200,
      requestTimeoutMs: 200,
      keepAliveIntervalMs: 30_000,
    });
    await expect(opening).rejects.toBeInstanceOf(PulsarTimeoutError);
    await expect(opening).rejects.toThrow(/no answer in 200 ms/);
  });
});

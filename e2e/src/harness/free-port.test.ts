import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, freePorts, isPortOpen } from './free-port.js';

describe('free ports', () => {
  it('hands out distinct ports that can be bound', async () => {
    const ports = await freePorts(5);
    expect(new Set(ports).size).toBe(5);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(ports[0], '127.0.0.1', resolve));
    expect(await isPortOpen(ports[0] as number)).toBe(true);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sees a closed port as closed', async () => {
    expect(await isPortOpen(await freePort(), '127.0.0.1', 500)).toBe(false);
  });
});

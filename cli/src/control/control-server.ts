import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { JobClient } from '@tributary/core';
import { dashboardPage } from '../dashboard/dashboard-page.js';
import type { JobMonitor } from '../monitor/job-monitor.js';

export interface ControlServerOptions {
  readonly client: JobClient;
  readonly monitor: JobMonitor;
  /** Serve the dashboard page at `/`. */
  readonly ui: boolean;
  /** 0: any free port. */
  readonly port?: number;
  /** Where savepoints go when a request names no directory. */
  readonly defaultSavepointDir: string;
  /** Called before a stop request is handed to the job (the CLI prints what happens). */
  readonly onStop?: (directory: string) => void;
}

/** The local endpoint of a running job: control API, live snapshots (SSE) and the dashboard. */
export interface ControlServer {
  readonly url: string;
  readonly token: string;
  close(): Promise<void>;
}

/**
 * Serves on 127.0.0.1 only. Control requests (POST) need the token; the Host header must be the
 * loopback address, so a web page elsewhere cannot reach the job through DNS rebinding, and
 * without CORS headers a cross-origin page cannot send the token header.
 */
export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  const token = randomBytes(16).toString('hex');
  const streams = new Set<ServerResponse>();
  let port = 0;
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { error: (error as Error).message });
      else res.end();
    });
  });
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`)
      return send(res, 403, { error: 'bad host' });
    const url = new URL(req.url ?? '/', `http://${host}`);
    if (req.method === 'GET' && url.pathname === '/') {
      if (!options.ui) return send(res, 404, { error: 'dashboard not enabled (run with --ui)' });
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy':
          "default-src 'self'; img-src 'self' data:; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
        'cache-control': 'no-store',
      });
      res.end(dashboardPage(token));
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api/snapshot')
      return send(res, 200, options.monitor.snapshot());
    if (req.method === 'GET' && url.pathname === '/api/events') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      streams.add(res);
      res.write(`data: ${JSON.stringify(options.monitor.snapshot())}\n\n`);
      req.on('close', () => streams.delete(res));
      return;
    }
    if (req.method === 'POST' && (url.pathname === '/api/savepoint' || url.pathname === '/api/stop')) {
      if (req.headers['x-tributary-token'] !== token)
        return send(res, 401, { error: 'missing or wrong token' });
      const body = (await readJson(req)) as { directory?: unknown; savepoint?: unknown };
      const directory = resolve(
        typeof body.directory === 'string' ? body.directory : options.defaultSavepointDir,
      );
      try {
        if (url.pathname === '/api/savepoint') {
          return send(res, 200, { path: await options.client.triggerSavepoint(directory) });
        }
        if (body.savepoint === false) {
          await options.client.cancel();
          return send(res, 200, { cancelled: true });
        }
        options.onStop?.(directory);
        return send(res, 200, { path: await options.client.stopWithSavepoint({ directory }) });
      } catch (error) {
        options.monitor.recordError(`savepoint failed: ${(error as Error).message}`);
        return send(res, 409, { error: (error as Error).message });
      }
    }
    return send(res, 404, { error: 'not found' });
  };
  await new Promise<void>((ready, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => ready());
  });
  port = (server.address() as AddressInfo).port;
  const ticker = setInterval(() => {
    if (streams.size === 0) return;
    const data = `data: ${JSON.stringify(options.monitor.snapshot())}\n\n`;
    for (const stream of streams) stream.write(data);
  }, 1000);
  ticker.unref();
  server.unref();
  return {
    url: `http://127.0.0.1:${port}/`,
    token,
    async close() {
      clearInterval(ticker);
      // Last state for open pages, then end the streams so that close() does not wait on them.
      const data = `data: ${JSON.stringify(options.monitor.snapshot())}\n\n`;
      for (const stream of streams) stream.end(data);
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 64 * 1024) throw new Error('request too large');
  }
  if (text.trim() === '') return {};
  return JSON.parse(text) as unknown;
}

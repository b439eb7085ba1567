import { createServer, type Server } from 'node:http';
import type { Metrics } from '../observability/metrics.js';
import { applyLimits, nodeServerOptions, sendText, type HttpLimits } from './http.js';

/** Prometheus `GET /metrics` (plain HTTP, as Ratify serves it). */
export function metricsServer(metrics: Metrics, limits: HttpLimits): Server {
  const server = createServer(nodeServerOptions(limits), (req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
      metrics.text().then(
        (t) => {
          res.writeHead(200, { 'content-type': metrics.contentType });
          res.end(t);
        },
        () => sendText(res, 500, 'metrics unavailable'),
      );
      return;
    }
    sendText(res, 404, 'not found');
  });
  applyLimits(server, limits);
  return server;
}

/** `/healthz` (the process answers) and `/readyz` (config loaded, listening, not draining). */
export function healthServer(state: () => { ready: boolean; draining: boolean }, limits: HttpLimits): Server {
  const server = createServer(nodeServerOptions(limits), (req, res) => {
    const path = req.url?.split('?')[0];
    if (path === '/healthz') return sendText(res, 200, 'ok');
    if (path === '/readyz') {
      const s = state();
      return s.ready ? sendText(res, 200, 'ok') : sendText(res, 503, s.draining ? 'shutting down' : 'not ready');
    }
    sendText(res, 404, 'not found');
  });
  applyLimits(server, limits);
  return server;
}

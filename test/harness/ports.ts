import { createServer } from 'node:net';

/**
 * A port that was free a moment ago on 127.0.0.1. There is an unavoidable race between closing
 * this socket and the real server binding it, so callers that spawn servers retry on EADDRINUSE.
 */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') {
        srv.close();
        reject(new Error('could not read the bound port'));
        return;
      }
      srv.close(() => resolvePort(addr.port));
    });
  });
}

import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Finding, type FuzzTarget } from '../target.js';

/**
 * The function Jazzer.js calls, around a target: it times every input (an input slower than the
 * limit is a finding, so Jazzer writes it out) and keeps a small stats file the driver reads
 * after the run, because libFuzzer ends the process with exit() and no JavaScript runs then.
 */

export interface EngineStats {
  runs: number;
  maxMs: number;
  maxMsInputBytes: number;
  peakRssMb: number;
}

const FLUSH_EVERY = 4096;

export function jazzerEntry(target: FuzzTarget): (data: Buffer) => void | Promise<void> {
  const statsFile = process.env['RATIFY_FUZZ_STATS'];
  const slowMs = Number(process.env['RATIFY_FUZZ_SLOW_MS'] || 1000);
  const stats: EngineStats = { runs: 0, maxMs: 0, maxMsInputBytes: 0, peakRssMb: 0 };

  const flush = () => {
    stats.peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
    if (statsFile) writeFileSync(statsFile, JSON.stringify(stats));
  };
  const finish = (start: number, data: Buffer) => {
    const ms = performance.now() - start;
    stats.runs++;
    if (ms > stats.maxMs) {
      stats.maxMs = ms;
      stats.maxMsInputBytes = data.length;
      flush();
    } else if (stats.runs % FLUSH_EVERY === 0) {
      flush();
    }
    if (ms > slowMs) throw new Finding(`input of ${data.length} bytes took ${ms.toFixed(0)} ms (limit ${slowMs} ms)`);
  };

  if (target.async) {
    return async (data) => {
      const start = performance.now();
      await target.fuzz(data);
      finish(start, data);
    };
  }
  return (data) => {
    const start = performance.now();
    void target.fuzz(data);
    finish(start, data);
  };
}

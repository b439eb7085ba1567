/**
 * RFC 3339 timestamps as Ratify handles the report's created annotation: parsed with Go's
 * time.Parse(time.RFC3339, s) and echoed in `extensions.createdAt` as Go marshals a
 * time.Time (RFC3339Nano: the offset as written, "Z" for UTC, the fraction without
 * trailing zeros).
 *
 * Accepted: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, with an upper-case T and Z, a real
 * calendar date, seconds 00–59 and an offset below 24h. A fraction may use "." or "," and
 * any number of digits (beyond nanoseconds it is truncated), as in Go.
 */

export interface GoTime {
  /** Nanoseconds since the Unix epoch. */
  epochNs: bigint;
  /** RFC3339Nano text, as Go's time.Time MarshalJSON writes it. */
  text: string;
}

export class TimeParseError extends Error {
  override name = 'TimeParseError';
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}:\d{2})$/;

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

export function parseRFC3339(s: string): GoTime {
  const m = RFC3339.exec(s);
  if (!m) throw new TimeParseError(`parsing time ${JSON.stringify(s)} as RFC3339: invalid format`);
  const [year, month, day, hour, min, sec] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const fail = (what: string) => new TimeParseError(`parsing time ${JSON.stringify(s)}: ${what} out of range`);
  if (month < 1 || month > 12) throw fail('month');
  if (day < 1 || day > daysIn(year, month)) throw fail('day');
  if (hour > 23) throw fail('hour');
  if (min > 59) throw fail('minute');
  if (sec > 59) throw fail('second');
  const frac = (m[7] ?? '').slice(0, 9).padEnd(9, '0');
  const nanos = BigInt(frac);
  const zone = m[8]!;
  let offsetMin = 0;
  if (zone !== 'Z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23) throw fail('time zone offset hour');
    if (om > 59) throw fail('time zone offset minute');
    offsetMin = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not.
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, min, sec, 0);
  const epochMs = BigInt(d.getTime()) - BigInt(offsetMin) * 60_000n;
  const epochNs = epochMs * 1_000_000n + nanos;

  const fracText = (m[7] ?? '').slice(0, 9).replace(/0+$/, '');
  const zoneText = offsetMin === 0 ? 'Z' : `${offsetMin < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offsetMin) / 60))}:${pad(Math.abs(offsetMin) % 60)}`;
  const text = `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(min)}:${pad(sec)}${fracText ? `.${fracText}` : ''}${zoneText}`;
  return { epochNs, text };
}

export function dateToEpochNs(d: Date): bigint {
  return BigInt(d.getTime()) * 1_000_000n;
}

/** A parsed WWW-Authenticate challenge (RFC 7235), as registries send for Basic and Bearer. */
export interface Challenge {
  scheme: string; // lower-case: "basic" | "bearer" | ...
  params: Record<string, string>; // keys lower-cased
}

/**
 * Parses a WWW-Authenticate header value. Registries send one challenge, but the grammar
 * allows several separated by commas; a new challenge starts at a token not followed by "=".
 */
export function parseChallenges(header: string | undefined | null): Challenge[] {
  if (!header) return [];
  const out: Challenge[] = [];
  let i = 0;
  const n = header.length;
  let cur: Challenge | undefined;
  const skipWs = () => {
    while (i < n && (header[i] === ' ' || header[i] === '\t' || header[i] === ',')) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < n && /[!#$%&'*+\-.^_`|~0-9A-Za-z/]/.test(header[i]!)) i++;
    return header.slice(start, i);
  };
  while (i < n) {
    skipWs();
    if (i >= n) break;
    const tok = readToken();
    if (!tok) {
      i++; // skip an unexpected character rather than loop forever
      continue;
    }
    let j = i;
    while (j < n && (header[j] === ' ' || header[j] === '\t')) j++;
    if (header[j] === '=' && cur) {
      i = j + 1;
      while (i < n && (header[i] === ' ' || header[i] === '\t')) i++;
      let value: string;
      if (header[i] === '"') {
        i++;
        let v = '';
        while (i < n && header[i] !== '"') {
          if (header[i] === '\\' && i + 1 < n) i++;
          v += header[i];
          i++;
        }
        i++; // closing quote
        value = v;
      } else {
        const start = i;
        while (i < n && header[i] !== ',') i++;
        value = header.slice(start, i).trim();
      }
      cur.params[tok.toLowerCase()] = value;
    } else {
      cur = { scheme: tok.toLowerCase(), params: {} };
      out.push(cur);
      // token68 form ("Basic abc==") is not used by registries; ignore it.
    }
  }
  return out;
}

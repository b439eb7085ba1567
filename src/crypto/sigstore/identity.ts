import { ASN1Obj, X509Certificate } from '@sigstore/core';

/** Fulcio's OIDC issuer extensions: v2 is a DER UTF8String, v1 (deprecated) the raw string. */
export const OID_FULCIO_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';
export const OID_FULCIO_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
/** Fulcio's otherName SAN (username identities). */
const OID_OTHERNAME_SAN = '1.3.6.1.4.1.57264.1.7';
const OID_SAN = '2.5.29.17';

/**
 * Identities are matched only up to this length: a hostile certificate cannot make a
 * configured (backtracking) JavaScript regular expression scan megabytes.
 */
const MAX_MATCHED_IDENTITY = 4096;

/** The signer a Fulcio-style certificate names. */
export interface CertificateIdentity {
  /** Every subject alternative name: emails, URIs, DNS names, IP addresses, Fulcio usernames. */
  sans: string[];
  /** The OIDC issuer extension, if present. */
  issuer?: string;
}

/** cosign's Identity: each side is an exact value or a regular expression (exactly one of each is set by config validation). */
export interface IdentityPolicy {
  subject?: string;
  subjectRegExp?: RegExp;
  issuer?: string;
  issuerRegExp?: RegExp;
}

/**
 * Reads the SANs and OIDC issuer from a certificate (DER, or as @sigstore/core already parsed
 * it, which saves a second parse per verification). Never throws: unreadable parts are absent.
 */
export function certificateIdentity(cert: Uint8Array | X509Certificate): CertificateIdentity {
  let c: X509Certificate;
  try {
    c = cert instanceof X509Certificate ? cert : X509Certificate.parse(Buffer.from(cert));
  } catch {
    return { sans: [] };
  }
  const value = (oid: string): Buffer | undefined => {
    try {
      return c.extension(oid)?.value;
    } catch {
      return undefined;
    }
  };
  const out: CertificateIdentity = { sans: [] };
  const san = value(OID_SAN);
  if (san) out.sans = sansOf(san);
  const v2 = value(OID_FULCIO_ISSUER_V2);
  const issuer = v2 !== undefined ? utf8String(v2) : value(OID_FULCIO_ISSUER_V1)?.toString('utf8');
  if (issuer !== undefined) out.issuer = issuer;
  return out;
}

/** DER UTF8String (tag 12) contents, or undefined. */
function utf8String(der: Buffer): string | undefined {
  try {
    const o = ASN1Obj.parseBuffer(der as Buffer<ArrayBuffer>);
    return o.tag.isUniversal() && o.tag.number === 12 ? o.value.toString('utf8') : undefined;
  } catch {
    return undefined;
  }
}

/** GeneralNames (RFC 5280): the names cosign matches identities against. */
function sansOf(der: Buffer): string[] {
  let names: ASN1Obj;
  try {
    names = ASN1Obj.parseBuffer(der as Buffer<ArrayBuffer>);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names.subs) {
    if (!n.tag.isContextSpecific()) continue;
    switch (n.tag.number) {
      case 1: // rfc822Name
      case 2: // dNSName
      case 6: // uniformResourceIdentifier
        out.push(n.value.toString('utf8'));
        break;
      case 7: // iPAddress
        out.push(ipString(n.value));
        break;
      case 0: {
        const v = otherName(n);
        if (v !== undefined) out.push(v);
        break;
      }
      default:
        break;
    }
  }
  return out;
}

/** Fulcio's username SAN: otherName { type-id 1.3.6.1.4.1.57264.1.7, [0] EXPLICIT UTF8String }. */
function otherName(n: ASN1Obj): string | undefined {
  try {
    const [oid, value] = n.subs;
    if (!oid?.tag.isOID() || oid.toOID() !== OID_OTHERNAME_SAN) return undefined;
    const inner = value?.subs[0];
    return inner && inner.tag.number === 12 ? inner.value.toString('utf8') : undefined;
  } catch {
    return undefined;
  }
}

function ipString(b: Buffer): string {
  if (b.length === 4) return [...b].join('.');
  if (b.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
    return groups.join(':');
  }
  return b.toString('hex');
}

/**
 * cosign's identity check: the issuer must match (exactly or by expression) and some SAN must
 * match. Expressions are unanchored, as Go's regexp.MatchString is. Returns undefined when the
 * identity is accepted, otherwise the reason.
 */
export function checkIdentity(id: CertificateIdentity, policy: IdentityPolicy): string | undefined {
  const issuer = id.issuer ?? '';
  if (policy.issuer !== undefined && issuer !== policy.issuer) {
    return `expected OIDC issuer ${JSON.stringify(policy.issuer)}, certificate has ${JSON.stringify(issuer)}`;
  }
  if (policy.issuerRegExp !== undefined && !(issuer.length <= MAX_MATCHED_IDENTITY && policy.issuerRegExp.test(issuer))) {
    return `OIDC issuer ${JSON.stringify(issuer)} does not match ${policy.issuerRegExp.source}`;
  }
  const sans = id.sans;
  if (policy.subject !== undefined && !sans.includes(policy.subject)) {
    return `expected identity ${JSON.stringify(policy.subject)}, certificate names ${JSON.stringify(sans)}`;
  }
  if (policy.subjectRegExp !== undefined && !sans.some((s) => s.length <= MAX_MATCHED_IDENTITY && policy.subjectRegExp!.test(s))) {
    return `no identity in ${JSON.stringify(sans)} matches ${policy.subjectRegExp.source}`;
  }
  return undefined;
}

/**
 * Compiles a Go (RE2) expression as a JavaScript RegExp. The common Go-only spellings are
 * translated: leading inline flags "(?i)", "(?s)", "(?m)", named groups "(?P<n>", "\A" and "\z".
 * Throws with the reason when the expression does not compile.
 */
export function compileGoRegExp(pattern: string): RegExp {
  let src = pattern;
  let flags = '';
  const lead = /^\(\?([ims]+)\)/.exec(src);
  if (lead) {
    flags = [...new Set(lead[1]!.split(''))].join('');
    src = src.slice(lead[0].length);
  }
  let out = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\' && i + 1 < src.length) {
      const n = src[i + 1]!;
      out += n === 'A' ? '^' : n === 'z' ? '$' : c + n;
      i++;
    } else if (c === '(' && src.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
    } else out += c;
  }
  return new RegExp(out, flags);
}

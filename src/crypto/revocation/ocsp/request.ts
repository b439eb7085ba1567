/**
 * OCSP request (RFC 6960 4.1) for one certificate. Like notation (golang.org/x/crypto/ocsp with
 * crypto.SHA1), the CertID uses SHA-1: every public CA responder tested by notation supports it,
 * several do not support SHA-256 CertIDs. No nonce is sent, as in notation.
 */
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import { OID, type HashName } from '../../timestamp/oids.js';
import type { ParsedCertificate } from '../../timestamp/certificate.js';

export interface CertId {
  hash: HashName;
  issuerNameHash: Uint8Array;
  issuerKeyHash: Uint8Array;
  serialNumber: bigint;
}

export function certIdFor(cert: ParsedCertificate, issuer: ParsedCertificate, hash: HashName = 'sha1'): CertId {
  return {
    hash,
    issuerNameHash: createHash(hash).update(issuer.subjectRaw).digest(),
    issuerKeyHash: createHash(hash).update(issuer.publicKeyBits).digest(),
    serialNumber: cert.serialNumber,
  };
}

const HASH_OIDS: Record<HashName, string> = { sha1: OID.sha1, sha256: OID.sha256, sha384: OID.sha384, sha512: OID.sha512 };

export function encodeOcspRequest(id: CertId): Uint8Array {
  const certId = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: HASH_OIDS[id.hash] }), new asn1js.Null()] }),
      new asn1js.OctetString({ valueHex: toArrayBuffer(id.issuerNameHash) }),
      new asn1js.OctetString({ valueHex: toArrayBuffer(id.issuerKeyHash) }),
      new asn1js.Integer({ valueHex: toArrayBuffer(twosComplement(id.serialNumber)) }),
    ],
  });
  const request = new asn1js.Sequence({ value: [certId] });
  const tbsRequest = new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [request] })] });
  return new Uint8Array(new asn1js.Sequence({ value: [tbsRequest] }).toBER(false));
}

function toArrayBuffer(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** Minimal two's-complement big-endian encoding of an INTEGER value. */
export function twosComplement(v: bigint): Uint8Array {
  if (v === 0n) return new Uint8Array([0]);
  const bytes: number[] = [];
  let x = v;
  for (;;) {
    bytes.unshift(Number(x & 0xffn));
    const next = x >> 8n;
    const sign = (bytes[0] as number) & 0x80;
    if ((next === 0n && !sign) || (next === -1n && sign)) break;
    x = next;
  }
  return new Uint8Array(bytes);
}

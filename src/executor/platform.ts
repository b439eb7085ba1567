import { RatifyError } from '../errors.js';
import type { Descriptor, Platform } from '../oci/descriptor.js';
import { parseImageIndex } from '../oci/manifest.js';
import { isIndexMediaType } from '../oci/mediatypes.js';

/**
 * Which manifests of a multi-arch image to verify:
 * - `index`: the digest given (Ratify's behaviour);
 * - `all`: the index and every child manifest;
 * - `os/arch[/variant]`: the matching child only.
 */
export type PlatformMode = { kind: 'index' } | { kind: 'all' } | { kind: 'platform'; os: string; architecture: string; variant?: string };

export function parsePlatformMode(s: string | undefined): PlatformMode {
  if (!s || s === 'index') return { kind: 'index' };
  if (s === 'all') return { kind: 'all' };
  const parts = s.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9._-]+$/i.test(p))) {
    throw new RatifyError('BAD_REQUEST', `invalid platform ${JSON.stringify(s)}`, { remediation: 'Use "index", "all" or os/arch[/variant] such as linux/amd64 or linux/arm64/v8' });
  }
  const m: PlatformMode = { kind: 'platform', os: parts[0]!, architecture: parts[1]! };
  if (parts[2]) m.variant = parts[2];
  return m;
}

export function platformString(p: Platform | undefined): string {
  if (!p) return 'unknown';
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** Most manifests `--platform all` verifies for one subject (nested indexes included). */
export const MAX_PLATFORM_TARGETS = 256;

/**
 * Children of an index that the mode asks for; empty when the subject is not an index or the mode is `index`.
 * `all` means every child: one without a platform, or with `unknown/unknown` (buildkit's attestation
 * manifests), is still content the index vouches for, and skipping it would let an unverified manifest
 * ride along under a verified index. `os/arch` picks by platform, so a child without one cannot match.
 */
export function selectChildren(mode: PlatformMode, subject: Descriptor, indexBytes: Uint8Array | undefined): Descriptor[] {
  if (mode.kind === 'index' || !isIndexMediaType(subject.mediaType) || !indexBytes) return [];
  const index = parseImageIndex(indexBytes, subject.mediaType);
  if (mode.kind === 'all') return index.manifests;
  const images = index.manifests.filter((d) => d.platform && d.platform.os !== 'unknown');
  const match = images.filter(
    (d) =>
      d.platform!.os === mode.os &&
      d.platform!.architecture === mode.architecture &&
      (mode.variant === undefined || d.platform!.variant === mode.variant || (mode.variant === 'v8' && mode.architecture === 'arm64' && !d.platform!.variant)),
  );
  if (match.length === 0) {
    throw new RatifyError('REFERENCE_INVALID', `the image index has no manifest for platform ${[mode.os, mode.architecture, mode.variant].filter(Boolean).join('/')}`, {
      remediation: `Available: ${images.map((d) => platformString(d.platform)).join(', ') || 'none'}`,
    });
  }
  return [match[0]!];
}

import { pemToDer, projectFiles, unique, vectorFiles } from './seeds.js';

/** DER certificates from the vectors and examples (PEM files converted, DER files as they are). */
export function certificateSeeds(): Buffer[] {
  const files = [...vectorFiles(/\.(crt|pem|cer|der)$/), ...projectFiles('examples', /\.(crt|pem)$/)];
  return unique(files.flatMap((b) => (b.includes('-----BEGIN') ? pemToDer(b) : [b])).filter((d) => d[0] === 0x30));
}

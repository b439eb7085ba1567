/**
 * Issue 11 part 7: symbolic links inside an OCI layout directory were followed out of it, and the
 * first bytes of the target were quoted in errors. Real layouts on disk, real links.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backgroundContext } from '../../src/context.js';
import { RatifyError } from '../../src/errors.js';
import { digestOf, parseDigest } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { makeReference } from '../../src/reference/reference.js';
import { createOciLayoutStore } from '../../src/stores/ocilayout/store.js';
import { OciLayoutWriter } from '../../src/stores/ocilayout/writer.js';
import { collect } from '../../src/stores/types.js';

const ctx = () => backgroundContext();
const SECRET = 'root:x:0:0:SECRET-PASSWORD-LINE\n';
const blobPath = (layout: string, digest: string) => join(layout, 'blobs', parseDigest(digest).algorithm, parseDigest(digest).hex);

/** The error, its message and its whole cause chain must not quote the file outside. */
function refusedWithoutEcho(pattern: RegExp) {
  return (e: unknown): true => {
    assert.ok(e instanceof RatifyError, String(e));
    assert.match(e.message, pattern);
    const all = `${e.message} ${e.errorReason} ${JSON.stringify(e)}`;
    assert.doesNotMatch(all, /root:x|SECRET/);
    return true;
  };
}

describe('OCI layout: links out of the layout are refused, contents never quoted', () => {
  let dir: string;
  let pristine: string;
  let image: { digest: string; size: number; mediaType: string };
  let sig: { digest: string };
  let outside: string;
  let n = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ratify-layout-links-'));
    pristine = join(dir, 'pristine');
    const w = new OciLayoutWriter(pristine);
    image = w.image('v1');
    sig = w.attach(image, MediaType.NotarySignature, [{ mediaType: 'application/jose+json', data: 'signature' }]);
    await w.write();
    outside = join(dir, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'passwd'), SECRET);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A fresh copy of the layout to tamper with. */
  async function copy(): Promise<string> {
    const p = join(dir, `layout-${++n}`);
    await cp(pristine, p, { recursive: true });
    return p;
  }

  it('index.json linked to a file outside: the store does not open, and says why without quoting it', async () => {
    const layout = await copy();
    await unlink(join(layout, 'index.json'));
    await symlink(join(outside, 'passwd'), join(layout, 'index.json'));
    await assert.rejects(createOciLayoutStore({ path: layout }), refusedWithoutEcho(/index\.json is a symbolic link that leads out of the layout/));
  });

  it('a blob linked to a file outside with the right digest is not read (its bytes would verify)', async () => {
    const layout = await copy();
    // The manifest moved out of the layout, linked back in: digest-correct, but not the layout's.
    const target = join(outside, `manifest-${n}`);
    await cp(blobPath(layout, sig.digest), target);
    await unlink(blobPath(layout, sig.digest));
    await symlink(target, blobPath(layout, sig.digest));
    const store = await createOciLayoutStore({ path: layout });
    const ref = makeReference('', layout, 'v1');
    await assert.rejects(store.fetchManifestBytes(ref, { mediaType: MediaType.OciManifest, digest: sig.digest, size: (await readFile(target)).length }, ctx()), refusedWithoutEcho(/leads out of the layout/));
    await assert.rejects(collect(store.listReferrers(ref, image, ctx())), refusedWithoutEcho(/leads out of the layout/));
  });

  it('a blob linked to a secret outside: refused, and no byte of it in any error', async () => {
    const layout = await copy();
    await unlink(blobPath(layout, image.digest));
    await symlink(join(outside, 'passwd'), blobPath(layout, image.digest));
    const store = await createOciLayoutStore({ path: layout });
    const ref = makeReference('', layout, 'v1');
    await assert.rejects(store.fetchManifestBytes(ref, image, ctx()), refusedWithoutEcho(/leads out of the layout/));
    await assert.rejects(store.fetchBlob(ref, { digest: image.digest }, ctx()), refusedWithoutEcho(/leads out of the layout/));
    // By a digest index.json does not list, resolving reads (and refuses) the blob.
    const unlisted = digestOf(Buffer.from('a manifest index.json does not list'));
    await symlink(join(outside, 'passwd'), blobPath(layout, unlisted));
    await assert.rejects(store.resolve(makeReference('', layout, undefined, unlisted), ctx()), refusedWithoutEcho(/leads out of the layout/));
  });

  it('a blobs/<alg> directory linked out of the layout is refused too', async () => {
    const layout = await copy();
    const elsewhere = join(outside, `blobs-${n}`);
    await cp(join(layout, 'blobs', 'sha256'), elsewhere, { recursive: true });
    await rm(join(layout, 'blobs', 'sha256'), { recursive: true });
    await symlink(elsewhere, join(layout, 'blobs', 'sha256'));
    await assert.rejects(
      (async () => {
        const store = await createOciLayoutStore({ path: layout });
        await store.resolve(makeReference('', layout, 'v1'), ctx());
        await collect(store.listReferrers(makeReference('', layout, 'v1'), image, ctx()));
      })(),
      refusedWithoutEcho(/leads out of the layout/),
    );
  });

  it('links that stay inside the layout, and a layout path that is itself a link, still work', async () => {
    const layout = await copy();
    // A blob stored once under another name inside the layout and linked (deduplicating tools do this).
    await mkdir(join(layout, 'store'));
    await cp(blobPath(layout, sig.digest), join(layout, 'store', 'sig'));
    await unlink(blobPath(layout, sig.digest));
    await symlink(join('..', '..', 'store', 'sig'), blobPath(layout, sig.digest));
    const via = join(dir, `via-${n}`);
    await symlink(layout, via);
    const store = await createOciLayoutStore({ path: via });
    const ref = makeReference('', via, 'v1');
    assert.equal((await store.resolve(ref, ctx())).digest, image.digest);
    const listed = await collect(store.listReferrers(ref, image, ctx()));
    assert.deepEqual(listed.map((d) => d.digest), [sig.digest]);
    const bytes = await store.fetchManifestBytes(ref, listed[0]!, ctx());
    assert.equal(digestOf(bytes), sig.digest);
  });

  it('malformed JSON in a layout is reported by position, without quoting the text', async () => {
    const layout = await copy();
    await writeFile(join(layout, 'index.json'), SECRET);
    await assert.rejects(createOciLayoutStore({ path: layout }), refusedWithoutEcho(/invalid index\.json/));
  });
});

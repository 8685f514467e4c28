import { lstat, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VerifiedFiles } from '../../../src/storage/content/verified-files.js';
import { openTestStorage, request } from '../../helpers/storage.js';
import { temporaryDirectory } from '../../helpers/temporary-directory.js';

describe('blob files checked once per process', () => {
  it('remembers a file by its identity: the same file passes, one rewritten in place (same size) or replaced does not', async () => {
    const folder = await temporaryDirectory();
    const path = join(folder, 'blob.bin');
    await writeFile(path, Buffer.alloc(1000, 1));
    const verified = new VerifiedFiles();
    verified.add(path, await lstat(path), 'ab'.repeat(32));
    expect(verified.has(path, await lstat(path), 'ab'.repeat(32))).toBe(true);
    expect(verified.has(path, await lstat(path), 'cd'.repeat(32))).toBe(false);
    // File times come from the kernel's coarse clock (a tick is 4-10 ms): a rewrite a tick later has other times.
    await new Promise((resolve) => setTimeout(resolve, 25));
    await writeFile(path, Buffer.alloc(1000, 2));
    expect(verified.has(path, await lstat(path), 'ab'.repeat(32))).toBe(false);
  });

  it('still catches a blob file changed after it was read (and remembered as checked)', async () => {
    const { storage, cacheDir } = await openTestStorage({ memoryCacheBytes: 0 });
    const data = Buffer.alloc(200_000, 7);
    await storage.store(request({ url: 'https://images.example/a.jpg', value: data }));
    expect((await storage.retrieveByUrl('https://images.example/a.jpg'))!.data.equals(data)).toBe(true);
    expect((await storage.retrieveByUrl('https://images.example/a.jpg'))!.data.equals(data)).toBe(true);
    const [folderA] = await readdir(join(cacheDir, 'blobs'));
    const [folderB] = await readdir(join(cacheDir, 'blobs', folderA!));
    const [file] = await readdir(join(cacheDir, 'blobs', folderA!, folderB!));
    await new Promise((resolve) => setTimeout(resolve, 25)); // a kernel clock tick later, as above
    await writeFile(join(cacheDir, 'blobs', folderA!, folderB!, file!), Buffer.alloc(200_000, 8));
    // Never the changed bytes: a miss, or (with a shared tier) its checksummed copy.
    const after = await storage.retrieveByUrl('https://images.example/a.jpg');
    if (after !== null) expect(after.data.equals(data)).toBe(true);
    expect(await readdir(join(cacheDir, 'blobs', folderA!, folderB!))).not.toContain(file);
  });
});

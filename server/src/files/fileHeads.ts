import { readTextIfSane } from './files';
import { fileStamp, StampedCache } from './stamped';
import { documentHeads, type DocumentHead } from '../manifests/documentHeads';

/** Heads of files as last read, by path: the render traces objects by them, and the tree then finds their lines in the same files. */
const heads = new StampedCache<DocumentHead[] | undefined>(20_000);

/** A file's document heads, read once while its size and time stay the same; undefined when it cannot be read. */
export async function fileHeads(path: string): Promise<DocumentHead[] | undefined> {
  return heads.get(path, await fileStamp(path), async () => {
    const text = await readTextIfSane(path);
    if (text === undefined) return undefined;
    // File reads finish together and their callbacks run back to back: a turn of the event loop
    // before each scan lets other requests in between.
    await new Promise((resolve) => setImmediate(resolve));
    return documentHeads(text);
  });
}

/** Forgets every file read (a benchmark comparing first reads). */
export function forgetFileHeads(): void {
  heads.clear();
}

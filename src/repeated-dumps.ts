// `leakbot diff` given one dump twice. A diff reads growth and survivors between two moments; the same
// file twice (a typo, a glob that matched it twice) or a copy of it holds one moment, and comparing it
// with itself reads as "kept all, none new", which lifts a single snapshot's medium to high.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';

/** Thrown when one file is named twice; the message is for the user as is. */
export class RepeatedDumpError extends Error {}

/** Checks the dump files of one `leakbot diff`, in the order given. Throws RepeatedDumpError when a
 *  regular file is named twice (by any path to it). Returns one note per file whose bytes equal an
 *  earlier file's (a copy is one snapshot, not two; two real captures of an idle process can match
 *  too, so it is said, not refused). `-` (stdin), pipes and files that cannot be read are skipped:
 *  reading them is the loader's business, and its errors say more. */
export async function repeatedDumps(paths: readonly string[]): Promise<string[]> {
  const files: Array<{ path: string; real: string; size: number }> = [];
  for (const path of paths) {
    if (path === '-') continue;
    try {
      const real = await realpath(path);
      const st = await stat(real);
      if (st.isFile()) files.push({ path, real, size: st.size });
    } catch {
      // missing or unreadable: load() says so
    }
  }
  const seen = new Map<string, string>();
  for (const f of files) {
    const first = seen.get(f.real);
    if (first !== undefined) {
      throw new RepeatedDumpError(
        `${f.path} is ${first === f.path ? 'named twice' : `the same file as ${first}`}: diff compares dumps taken at different moments. ` +
          `Capture again for a second dump, or read this one alone with \`leakbot analyze ${first}\``,
      );
    }
    seen.set(f.real, f.path);
  }
  const notes: string[] = [];
  const bySize = new Map<number, Array<{ path: string; hash: string }>>();
  for (const f of files) {
    const same = bySize.get(f.size);
    if (!same && files.filter((g) => g.size === f.size).length < 2) continue; // no other file this size
    const hash = await sha256(f.real);
    const twin = same?.find((g) => g.hash === hash);
    if (twin) {
      notes.push(
        `${f.path} holds the same bytes as ${twin.path}: a copy is one moment, not two (nothing can change between them); capture again to compare`,
      );
    }
    bySize.set(f.size, [...(same ?? []), { path: f.path, hash }]);
  }
  return notes;
}

function sha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

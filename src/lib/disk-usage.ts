/**
 * Apparent size of a tree the way Docker counts it (moby pkg/directory):
 * regular files and symlinks by st_size, directories ignored, each inode once.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export async function apparentSize(root: string): Promise<number> {
  const seen = new Set<bigint>();
  let total = 0;
  const walk = async (dir: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(dir, name);
      let st;
      try {
        st = await lstat(p, { bigint: true });
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        await walk(p);
        continue;
      }
      if (st.size === 0n || seen.has(st.ino)) continue;
      seen.add(st.ino);
      total += Number(st.size);
    }
  };
  await walk(root);
  return total;
}

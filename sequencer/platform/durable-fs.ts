/**
 * Writes that survive a power loss: a file is on disk (fsync) before it takes its real name, and the
 * rename is on disk (the directory's entries fsynced) before the write is said done. Without both, a
 * crash can leave the real name over an empty or partial file (ext4 and XFS may order the rename
 * before the data).
 */
import { open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";

/** The entries of directory `dir` (a rename, a new file) reach the disk. */
export async function syncDir(dir: string): Promise<void> {
  const h = await open(dir, "r");
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Write `data` to `path` so that, whatever a crash interrupts, `path` holds either its old content or all of `data`. */
export async function writeFileDurably(path: string, data: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp`;
  const h = await open(tmp, "w");
  try {
    await h.writeFile(data);
    await h.sync();
  } catch (e) {
    await h.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await h.close();
  await rename(tmp, path);
  await syncDir(dirname(path));
}

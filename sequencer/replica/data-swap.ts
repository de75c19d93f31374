/**
 * Replacing a replica's data directory with one a resync built, so that a crash at any point leaves
 * the old directory or the new one, never a mix. The new one is built beside it (`<dir>.resync`) and
 * marked ready only once verified and closed; then two renames (`<dir>` to `<dir>.old`, `<dir>.resync`
 * to `<dir>`) and the old one is deleted. What a crash left half done, the next start finishes
 * (recoverSwap): the plan is a pure function of which of the three directories exist.
 */
import { existsSync } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { syncDir } from "../platform/durable-fs.js";

export const NEXT_SUFFIX = ".resync";
export const OLD_SUFFIX = ".old";
/** Written into `<dir>.resync` once it is verified and closed: only then may it replace `<dir>`. */
export const READY_FILE = "RESYNC-READY";

export type SwapStep =
  /** a download that did not finish (or was refused): delete `<dir>.resync` */
  | "discard-next"
  /** `<dir>` to `<dir>.old` */
  | "retire-current"
  /** `<dir>.resync` to `<dir>` */
  | "promote-next"
  /** delete `<dir>.old` */
  | "drop-old"
  /** `<dir>.old` back to `<dir>` (neither a current nor a ready directory is left) */
  | "restore-old";

export interface SwapState {
  current: boolean;
  next: boolean;
  nextReady: boolean;
  old: boolean;
}

/** What finishes an interrupted swap (pure): the steps in order, none when nothing was left half done. */
export function recoveryPlan(s: SwapState): SwapStep[] {
  if (s.next && !s.nextReady) {
    const rest = recoveryPlan({ ...s, next: false });
    return ["discard-next", ...rest];
  }
  if (s.next) {
    // a verified directory: the swap goes through (a crash before the first rename, or between the two)
    if (s.current) return s.old ? ["drop-old", "retire-current", "promote-next", "drop-old"] : ["retire-current", "promote-next", "drop-old"];
    return s.old ? ["promote-next", "drop-old"] : ["promote-next"];
  }
  if (s.old) return s.current ? ["drop-old"] : ["restore-old"];
  return [];
}

/** The directories beside `dir` (resolved first: "data/" must not put them inside it). */
const paths = (dir: string) => {
  const d = resolve(dir);
  return { dir: d, next: `${d}${NEXT_SUFFIX}`, old: `${d}${OLD_SUFFIX}` };
};

/** The renames reach the disk: the parent directory's entries are synced. */
const syncParent = (dir: string): Promise<void> => syncDir(dirname(dir));

async function run(given: string, steps: SwapStep[]): Promise<void> {
  const p = paths(given);
  const dir = p.dir;
  for (const step of steps) {
    if (step === "discard-next") await rm(p.next, { recursive: true, force: true });
    else if (step === "drop-old") await rm(p.old, { recursive: true, force: true });
    else if (step === "retire-current") await rename(dir, p.old);
    else if (step === "promote-next") await rename(p.next, dir);
    else await rename(p.old, dir);
    if (step !== "discard-next" && step !== "drop-old") await syncParent(dir);
  }
  if (steps.includes("promote-next")) await rm(join(dir, READY_FILE), { force: true });
}

function state(dir: string): SwapState {
  const p = paths(dir);
  return { current: existsSync(p.dir), next: existsSync(p.next), nextReady: existsSync(join(p.next, READY_FILE)), old: existsSync(p.old) };
}

/** At start-up: finish or undo a swap a crash interrupted. Returns the steps taken. */
export async function recoverSwap(dir: string): Promise<SwapStep[]> {
  const steps = recoveryPlan(state(dir));
  await run(dir, steps);
  return steps;
}

/** Where a resync builds the new directory. */
export function nextDir(dir: string): string {
  return paths(dir).next;
}

/** Mark `<dir>.resync` verified and complete (its databases closed): from now on it replaces `<dir>`. */
export async function markReady(dir: string): Promise<void> {
  const file = join(paths(dir).next, READY_FILE);
  await writeFile(file, `${new Date().toISOString()}\n`, { flush: true });
  await syncParent(file);
}

/** Replace `<dir>` with the ready `<dir>.resync` (both closed). */
export async function swapIn(dir: string): Promise<void> {
  const s = state(dir);
  if (!s.nextReady) throw new Error(`${paths(dir).next} is not marked ready`);
  await run(dir, recoveryPlan(s));
}

/**
 * Reading a V8 CPU profile (.cpuprofile, from `node --cpu-prof`), pure: where a thread's time went.
 *   - self time per function (what it spent itself, idle included as "(idle)");
 *   - inclusive time per function over the busy time (itself and everything it called; a function that
 *     recurses counts once per sample);
 *   - busy stretches: runs of consecutive samples without "(idle)" of at least a given length, each with
 *     the call paths that took most of it. A request that arrives during a stretch waits for all of it:
 *     this is the view that explains a latency tail, where the other two explain throughput.
 */
import { basename } from "node:path";
import { z } from "zod";

export const cpuProfileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
      children: z.array(z.number()).optional(),
    }),
  ),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});
export type CpuProfile = z.infer<typeof cpuProfileSchema>;

const IDLE = "(idle)";

export interface Timed {
  name: string;
  /** microseconds */
  us: number;
}

export interface Stretch {
  /** microseconds from the profile's start */
  startUs: number;
  us: number;
  /** the call paths (below the root, at most `depth` frames) that took most of it, largest first */
  paths: Timed[];
}

class Tree {
  readonly name = new Map<number, string>();
  readonly parent = new Map<number, number>();
  constructor(readonly p: CpuProfile) {
    for (const n of p.nodes) {
      const f = n.callFrame;
      this.name.set(n.id, `${f.functionName || "(anonymous)"} ${f.url ? `${basename(f.url)}:${f.lineNumber + 1}` : ""}`.trim());
      for (const c of n.children ?? []) this.parent.set(c, n.id);
    }
  }
  isIdle(id: number): boolean {
    return this.name.get(id) === IDLE;
  }
  /** Names from the root's child down to `id`. */
  path(id: number): string[] {
    const out: string[] = [];
    for (let c: number | undefined = id; c !== undefined; c = this.parent.get(c)) out.push(this.name.get(c) ?? "(unknown)");
    out.reverse();
    return out.slice(1); // the root frame says nothing
  }
}

/** A sample's duration: V8 gives the delta before each sample; the time up to the next one is this sample's. */
function durations(p: CpuProfile): number[] {
  return p.samples.map((_, i) => Math.max(0, p.timeDeltas[i + 1] ?? 0));
}

const sorted = (m: Map<string, number>, top: number): Timed[] =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, us }));

/** Self time per function, largest first; `totalUs` is every sample's, idle included. */
export function selfTimes(p: CpuProfile, top: number): { totalUs: number; rows: Timed[] } {
  const t = new Tree(p);
  const d = durations(p);
  const self = new Map<string, number>();
  let totalUs = 0;
  p.samples.forEach((id, i) => {
    const name = t.name.get(id) ?? "(unknown)";
    self.set(name, (self.get(name) ?? 0) + d[i]!);
    totalUs += d[i]!;
  });
  return { totalUs, rows: sorted(self, top) };
}

/** Inclusive time per function over the busy (not idle) samples, largest first. */
export function inclusiveTimes(p: CpuProfile, top: number): { busyUs: number; rows: Timed[] } {
  const t = new Tree(p);
  const d = durations(p);
  const incl = new Map<string, number>();
  let busyUs = 0;
  p.samples.forEach((id, i) => {
    if (t.isIdle(id)) return;
    busyUs += d[i]!;
    for (const name of new Set(t.path(id))) incl.set(name, (incl.get(name) ?? 0) + d[i]!);
  });
  return { busyUs, rows: sorted(incl, top) };
}

/** Busy stretches of at least `minUs`, in time order, each with its `top` heaviest call paths of `depth` frames. */
export function busyStretches(p: CpuProfile, minUs: number, depth: number, top: number): Stretch[] {
  const t = new Tree(p);
  const d = durations(p);
  const out: Stretch[] = [];
  let at = 0;
  let run: { startUs: number; us: number; paths: Map<string, number> } | null = null;
  const close = () => {
    if (run !== null && run.us >= minUs) out.push({ startUs: run.startUs, us: run.us, paths: sorted(run.paths, top) });
    run = null;
  };
  p.samples.forEach((id, i) => {
    at += p.timeDeltas[i] ?? 0;
    if (t.isIdle(id)) return close();
    run ??= { startUs: at, us: 0, paths: new Map() };
    const key = t.path(id).slice(0, depth).join(" > ");
    run.us += d[i]!;
    run.paths.set(key, (run.paths.get(key) ?? 0) + d[i]!);
  });
  close();
  return out;
}

/**
 * The deployment journal: each contract deployment's transaction is written down before it is awaited
 * and its address once mined, so a deployment interrupted at any point (a crash, an RPC outage, gas
 * running out) resumes where it stopped instead of deploying a second set of contracts (Hardhat
 * Ignition keeps a journal for the same reason). A journal belongs to one chain and one set of
 * parameters: resuming with other parameters is refused.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Address, Hex } from "viem";
import { z } from "zod";
import { ConfigError } from "./params.js";

const stepSchema = z.object({
  txHash: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
  address: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/)
    .optional(),
  block: z.string().optional(),
});
const journalSchema = z.object({
  chainId: z.number().int(),
  /** the parameters as deployed, canonical JSON: resuming with others is refused */
  params: z.string(),
  steps: z.record(z.string(), stepSchema),
});
export type JournalStep = z.infer<typeof stepSchema>;

export class Journal {
  private constructor(
    readonly path: string,
    private data: z.infer<typeof journalSchema>,
  ) {}

  /** Open (or start) the journal at `path` for `chainId` and `params`. */
  static open(path: string, chainId: number, params: string): Journal {
    if (!existsSync(path)) return new Journal(path, { chainId, params, steps: {} });
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, "utf8"));
    } catch (e) {
      throw new ConfigError(`the deployment journal ${path} is not JSON (${(e as Error).message}): move it away to start afresh`);
    }
    const r = journalSchema.safeParse(parsed);
    if (!r.success) throw new ConfigError(`the deployment journal ${path} is malformed: move it away to start afresh`);
    if (r.data.chainId !== chainId) throw new ConfigError(`the deployment journal ${path} is for chain ${r.data.chainId}, not ${chainId}`);
    if (r.data.params !== params) {
      throw new ConfigError(
        `the deployment journal ${path} was started with other parameters (${r.data.params}); resume with those, or move the journal away to deploy anew`,
      );
    }
    return new Journal(path, r.data);
  }

  get resumed(): boolean {
    return Object.keys(this.data.steps).length > 0;
  }

  step(name: string): JournalStep | undefined {
    return this.data.steps[name];
  }

  sent(name: string, txHash: Hex): void {
    this.data.steps[name] = { txHash };
    this.save();
  }

  mined(name: string, address: Address | null, block: bigint): void {
    this.data.steps[name] = { ...this.data.steps[name]!, ...(address ? { address } : {}), block: block.toString() };
    this.save();
  }

  /** Written to a temporary file and renamed: a crash never leaves half a journal. */
  private save(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(`${this.path}.tmp`, `${JSON.stringify(this.data, null, 2)}\n`);
    renameSync(`${this.path}.tmp`, this.path);
  }
}

/**
 * The judge fuzzer: posts a scenario's batches on a real EVM, then presents proofs against every leaf
 * of the attacked batch, the watcher's own and every mutation of them, to both judges: Rollup.proveFraud
 * (eth_call) and its TypeScript twin judgeFraudProof. For every call:
 *   - both judges agree: both accept with the same verdict, or both refuse with the same custom error
 *     and arguments;
 *   - property 1 (soundness): nothing is ever accepted against an honest leaf, and no mutated call is
 *     accepted against any leaf (every proof has exactly one valid form);
 *   - property 2 (completeness): against a dishonest leaf the watcher's proof is accepted, judged as
 *     the watcher judged it; now and then it is sent for real and must slash the proposer.
 * Every failure becomes a counterexample: the seed, the scenario, the mutation, both answers and, when
 * only the witnesses or body were touched, a ForgedWitnessVector ready for judge-regressions.json.
 */
import type { Hex } from "viem";
import { toHex } from "../../protocol/bytes.js";
import { keccak256 } from "../../protocol/hash.js";
import { DECODE_ERROR, REJECT } from "../../protocol/constants.js";
import { type LeafValue, type StateAccess, TreeState, type ValueKind } from "../../state/access.js";
import { FRAUD_KIND, type FraudKind } from "../../prove/judge.js";
import { type BatchOnL1, judgeFraudProof, type ProofJudgement, type ProveFraudCall } from "../../prove/judge-proof.js";
import type { SmtProof } from "../../state/proof.js";
import { type TreeNode, treeLeaves, treeProve } from "../../state/smt.js";
import { applyTx, type ExecutionContext } from "../../state/transition.js";
import { witnessFromAbi, witnessToJson } from "../../state/witness-codec.js";
import { decodeChunkBody, DecodeError } from "../../protocol/codec.js";
import { checkLeaf, claimAgainstLeaf, fraudProofOn, type PostedLeaf } from "../../prove/fraud-proof.js";
import { StoredTreeState } from "../../statedb/state.js";
import { StateDb } from "../../statedb/store.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ForgedWitnessVector } from "../forged-vectors.js";
import type { EvmOutcome, JudgeChain } from "./chain.js";
import { allMutations, callKey, type MutationContext } from "./mutations.js";
import { buildScenario, keyPreimage, postedLeaves, type Scenario } from "./scenario.js";

export interface FuzzOptions {
  /** mutations tried per base call (sampled without repetition; Infinity: all that apply) */
  mutationsPerCall: number;
  /** send the watcher's proof for real against one dishonest scenario in this many (0: never) */
  sendEvery: number;
}

export interface FuzzStats {
  scenarios: number;
  cases: number;
  accepted: number;
  sent: number;
  honestLeaves: number;
  dishonestLeaves: number;
  /** refusals by custom error name */
  refusals: Map<string, number>;
  /** the judgement of each dishonest leaf (the fraud kinds seen) */
  frauds: Map<string, number>;
}
export const newStats = (): FuzzStats => ({
  scenarios: 0,
  cases: 0,
  accepted: 0,
  sent: 0,
  honestLeaves: 0,
  dishonestLeaves: 0,
  refusals: new Map(),
  frauds: new Map(),
});

export interface Counterexample {
  problem: string;
  scenario: Scenario;
  leafIndex: number;
  mutation: string | null;
  call: unknown;
  typescript: ProofJudgement | { accepted: true };
  l1: EvmOutcome;
  vector: ForgedWitnessVector | null;
}

/** A StateAccess that notes, before each access, the proof a delete of that key would carry. */
class NeighbourProbe implements StateAccess {
  proofs: SmtProof[] = [];
  constructor(readonly tree: TreeState) {}
  read(key: Uint8Array, _kind?: ValueKind): LeafValue {
    this.proofs.push(treeProve(this.tree.root, key, true));
    return this.tree.read(key);
  }
  write(key: Uint8Array, next: LeafValue): void {
    this.proofs.push(treeProve(this.tree.root, key, true));
    this.tree.write(key, next);
  }
  update(key: Uint8Array, fn: (old: LeafValue) => LeafValue): void {
    this.proofs.push(treeProve(this.tree.root, key, true));
    this.tree.update(key, fn);
  }
}

function neighbourProofs(pre: TreeNode | null, leaf: PostedLeaf, ctx: ExecutionContext): SmtProof[] {
  let txs;
  try {
    txs = decodeChunkBody(leaf.body);
  } catch (e) {
    if (e instanceof DecodeError) return [];
    throw e;
  }
  const tree = new TreeState(pre);
  const probe = new NeighbourProbe(tree);
  for (const stx of txs) {
    const before = tree.root;
    if (!applyTx(probe, stx, ctx).ok) {
      tree.root = before;
      break;
    }
  }
  return probe.proofs;
}

/** A small seeded generator (mulberry32): mutation choices reproduce from the scenario's seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KINDS: FraudKind[] = ["WrongRoot", "InvalidSignature", "RuleViolation", "Undecodable"];

/** Run one scenario; the counterexamples it found (empty when every property held). */
export async function runScenario(chain: JudgeChain, s: Scenario, opts: FuzzOptions, stats: FuzzStats): Promise<Counterexample[]> {
  await chain.reset();
  const found: Counterexample[] = [];
  const t0 = await chain.now();
  const built = buildScenario(s, chain.sep, t0);
  for (const b of built.prelude) await chain.submit(new TreeState(b.pre).rootHash, t0, b.data);
  for (const body of built.forcedBodies) await chain.enqueue(body);
  const t = await chain.now();
  const att = built.attacked(t);
  const header = await chain.submit(new TreeState(att.batch.pre).rootHash, t, att.batch.data);
  const count = await chain.batchCount();
  const hashes = new Map<bigint, Hex>();
  for (let i = 0n; i < count; i++) hashes.set(i, (await chain.headerHash(i)).toLowerCase() as Hex);
  const l1: BatchOnL1 = {
    batchCount: count,
    headerHash: (i) => hashes.get(i) ?? "0x",
    isFinal: () => false,
    domainSeparator: chain.sep,
    registrar: chain.registrar,
  };
  const ctx: ExecutionContext = { domainSeparator: chain.sep, registrar: chain.registrar, timestamp: t };
  const known = new Map<Hex, Uint8Array>();
  for (let label = 0; label < 4; label++) {
    const pre = keyPreimage(label);
    known.set(toHex(keccak256(pre)), pre);
  }
  const { leaves, leafHashes } = postedLeaves(att.batch);
  const random = rng(s.mutationSeed);
  stats.scenarios++;

  let sentThisScenario = false;
  for (const leaf of leaves) {
    const preState = att.leafStates[leaf.index]!;
    const args = { header, leaf, leafHashes, preState, ctx };
    const truth = checkLeaf(new TreeState(preState), leaf, ctx).kind;
    if (truth === "None") stats.honestLeaves++;
    else {
      stats.dishonestLeaves++;
      stats.frauds.set(truth, (stats.frauds.get(truth) ?? 0) + 1);
    }
    const mctx: MutationContext = { random, neighbourProofs: neighbourProofs(preState, leaf, ctx), knownPreimages: known };
    const report = (problem: string, call: ProveFraudCall, mutation: string | null, ts: ProofJudgement, evm: EvmOutcome) =>
      found.push({
        problem,
        scenario: s,
        leafIndex: leaf.index,
        mutation,
        call: JSON.parse(callKey(call)),
        typescript: ts,
        l1: evm,
        vector: vectorOf(call, mutation, leaf, preState, ctx),
      });

    const evaluate = async (call: ProveFraudCall, mutation: string | null, mustAccept: boolean) => {
      const ts = judgeFraudProof(call, l1);
      const evm = await chain.simulate(call);
      stats.cases++;
      if (ts.accepted !== evm.accepted) return report("the TypeScript judge and L1 disagree on acceptance", call, mutation, ts, evm);
      if (!ts.accepted && !evm.accepted) {
        stats.refusals.set(evm.error.name, (stats.refusals.get(evm.error.name) ?? 0) + 1);
        if (ts.error.name !== evm.error.name || ts.error.args.join() !== evm.error.args.join())
          return report("the judges refuse with different errors", call, mutation, ts, evm);
        if (mustAccept) return report("the watcher's proof against a fraudulent leaf is refused", call, mutation, ts, evm);
        return;
      }
      stats.accepted++;
      if (ts.accepted) {
        const v = await chain.judge(call, leaf.forced);
        const want = {
          kind: FRAUD_KIND[ts.kind],
          decodeError: ts.verdict.decodeError === null ? 0 : DECODE_ERROR[ts.verdict.decodeError],
          reason: ts.verdict.reason === null ? 0 : REJECT[ts.verdict.reason],
          txIndex: ts.verdict.txIndex,
          txCount: ts.verdict.txCount,
          root: toHex(ts.verdict.root),
        };
        if (JSON.stringify(v) !== JSON.stringify(want))
          return report(`the judges accept with different verdicts (L1 ${JSON.stringify(v)})`, call, mutation, ts, evm);
      }
      if (!mustAccept)
        report(truth === "None" ? "a proof against an honest leaf is accepted" : "a second form of a proof is accepted", call, mutation, ts, evm);
    };

    // The watcher builds its proofs on the state database (StoredTreeState), not on the in-memory tree
    // the mutations start from: against a fraudulent leaf both must give the same call, byte for byte.
    if (truth !== "None") {
      const onDisk = await storedProof(preState, { header, leaf, leafHashes, ctx });
      const inMemory = claimAgainstLeaf(args, truth);
      if (onDisk === null || callKey(onDisk) !== callKey(inMemory))
        report(
          "the watcher's proof built on the state database differs from the one built on the in-memory tree",
          inMemory,
          null,
          judgeFraudProof(inMemory, l1),
          {
            accepted: true,
          } as EvmOutcome,
        );
    }

    const bases: ProveFraudCall[] = [];
    for (const kind of KINDS) {
      const call = claimAgainstLeaf(args, kind);
      await evaluate(call, null, kind === truth);
      if (truth === "None" || kind === truth) bases.push(call);
    }
    for (const base of bases) {
      const seen = new Set([callKey(base)]);
      const all = allMutations(base);
      const order = shuffled(all.length, random);
      let tried = 0;
      for (const j of order) {
        if (tried >= opts.mutationsPerCall) break;
        const m = all[j]!;
        const mutated = m.apply(base, mctx);
        if (mutated === null) continue;
        const key = callKey(mutated);
        if (seen.has(key)) continue;
        seen.add(key);
        tried++;
        await evaluate(mutated, m.name, false);
      }
    }
    if (truth !== "None" && opts.sendEvery > 0 && !sentThisScenario && stats.dishonestLeaves % opts.sendEvery === 0) {
      sentThisScenario = true;
      const call = claimAgainstLeaf(args, truth);
      const ev = await chain.prove(call);
      stats.sent++;
      const bond = await chain.bond();
      const after = await chain.batchCount();
      if (Number(ev.kind) !== FRAUD_KIND[truth] || bond !== 0n || after !== header.index || ev.chunkIndex !== leaf.index) {
        found.push({
          problem: `the sent proof did not slash and revert as judged (kind ${ev.kind}, bond ${bond}, batches ${after})`,
          scenario: s,
          leafIndex: leaf.index,
          mutation: null,
          call: JSON.parse(callKey(call)),
          typescript: judgeFraudProof(call, l1),
          l1: { accepted: true },
          vector: null,
        });
      }
      break; // the batch is gone: later leaves cannot be proven against
    }
  }
  return found;
}

/** The watcher's proof against `leaf` as the watcher builds it: on a state database holding `pre`. */
async function storedProof(pre: TreeNode | null, args: Parameters<typeof fraudProofOn>[1]): Promise<ProveFraudCall | null> {
  const dir = mkdtempSync(join(tmpdir(), "ephr-judge-fuzz-"));
  const db = await StateDb.open(dir, { cacheBytes: 8 << 20, sync: false });
  try {
    if (pre !== null) await db.bulkLoad([...treeLeaves(pre)].map((l) => ({ key: l.key, value: l.value, preimage: l.preimage })));
    return fraudProofOn(new StoredTreeState(db), args);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function shuffled(n: number, random: () => number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/**
 * The counterexample as a forged-witness vector, when the mutation left the claim about the leaf as it
 * was (same chunk roots, header, index and claim): what the verifier alone must refuse.
 */
function vectorOf(call: ProveFraudCall, mutation: string | null, leaf: PostedLeaf, pre: TreeNode | null, ctx: ExecutionContext): ForgedWitnessVector | null {
  if (mutation === null || toHex(leaf.preRoot) !== call.chunk.preRoot.toLowerCase() || toHex(leaf.postRoot) !== call.chunk.postRoot.toLowerCase()) return null;
  const leaves = [...treeLeaves(pre)];
  return {
    name: `judge fuzz counterexample: ${mutation}`,
    forgery: mutation,
    domainSeparator: toHex(ctx.domainSeparator),
    timestamp: ctx.timestamp,
    // the pre-state's leaves when few (the verifier needs only the root; a reader may want the tree)
    preState: leaves.length <= 64 ? leaves.map((l) => ({ key: toHex(l.key), value: toHex(l.value), preimage: toHex(l.preimage ?? new Uint8Array(0)) })) : null,
    preRoot: call.chunk.preRoot,
    body: call.chunk.body,
    forced: leaf.forced,
    claimedPostRoot: call.chunk.postRoot,
    witnesses: call.witnesses.map((w) => witnessToJson(witnessFromAbi(w))),
    expected: { name: "?", args: [] },
  };
}

/**
 * A sequencer data directory over a pre-built state, for `BENCH_STATE_ENTRIES=N npm run bench:sequencer`:
 * the synthetic exchange state of bench:state (scripts/bench-state, bulk-loaded as version 0), then one
 * signed GrantConsent executed on it as chunk 1 of a sealed batch 0, which the sequencer posts at start.
 * L1's Rollup starts from the empty root, so that batch claims the whole pre-built state as its
 * transition: fraudulent by the protocol's rules (a watcher would prove it), accepted by an optimistic
 * Rollup, and enough for a benchmark of the pipeline on a large state. Never for a real deployment.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Address, Hex } from "viem";
import { fromHex, toHex, ZERO_WORD } from "../sequencer/protocol/bytes.js";
import { encodeBatchData } from "../sequencer/protocol/batch.js";
import { encodeChunkBody } from "../sequencer/protocol/codec.js";
import { signingDigest, txHash } from "../sequencer/protocol/eip712.js";
import { keccak256 } from "../sequencer/protocol/hash.js";
import { signTx } from "../sequencer/protocol/sign.js";
import { addressOf } from "../sequencer/protocol/signature.js";
import { applyTx } from "../sequencer/state/transition.js";
import { StoredTreeState } from "../sequencer/statedb/state.js";
import { StateDb } from "../sequencer/statedb/store.js";
import { Store } from "../sequencer/store/store.js";
import { build } from "./bench-state/phases.js";

export async function prebuiltSequencerData(dataDir: string, entries: number, o: { separator: Hex; registrar: Address }) {
  mkdirSync(dataDir, { recursive: true });
  const stateDir = join(dataDir, "state");
  const built = await build(stateDir, entries, 4);
  rmSync(`${stateDir}.sort`, { recursive: true, force: true });
  const sep = fromHex(o.separator, 32);
  const db = await StateDb.open(stateDir, { cacheBytes: 64 << 20 });
  const state = new StoredTreeState(db);
  const key = toHex(keccak256(new TextEncoder().encode("bench-genesis")));
  const timestamp = Math.floor(Date.now() / 1000) - 5;
  const tx = {
    type: "GrantConsent" as const,
    grantee: "0x000000000000000000000000000000000000c11c" as Address,
    access: 1,
    categories: 1,
    expiry: timestamp + 86_400 * 365,
    nonce: 0,
  };
  const stx = signTx(sep, tx, key);
  const signer = addressOf(key);
  const out = applyTx(state, stx, { domainSeparator: sep, registrar: o.registrar, timestamp });
  if (!out.ok) throw new Error(`the genesis transaction is invalid: ${out.reason}`);
  const receipt = state.commit(1);
  await receipt.durable;
  await db.close();
  const body = encodeChunkBody([stx]);
  const postRoot = toHex(receipt.root);
  const hash = toHex(txHash(signingDigest(sep, stx.tx), signer));
  const store = await Store.open(dataDir);
  const w = store.writer();
  w.log({ seq: 0, hash, signer, body: toHex(body), receivedAt: Date.now(), chunk: 1 });
  w.tx(hash, { seq: 0, chunk: 1, batch: 0 });
  w.chunk({ id: 1, batch: 0, leaf: 0, forced: false, preRoot: built.root as Hex, postRoot, body: toHex(body), seqs: [0] });
  w.batch({
    index: 0,
    timestamp,
    prevRoot: toHex(ZERO_WORD),
    postRoot,
    chunks: [1],
    forcedCount: 0,
    inboxStart: 0,
    txCount: 1,
    dataBytes: encodeBatchData({ forcedPostRoots: [], chunks: [{ postRoot: receipt.root, body }] }).length,
    status: "sealed",
    openedAt: Date.now(),
    sealedAt: Date.now(),
    sealReason: "maxTxs",
    attempts: [],
  });
  w.head({ nextSeq: 1, nextChunk: 2, nextBatch: 1, openBatch: null, stateRoot: postRoot, inboxNext: 0, lastTimestamp: timestamp });
  await store.commit(w);
  await store.close();
  return { entries: built.entries, root: postRoot, seconds: built.generateSeconds + built.loadSeconds };
}

/**
 * A test-only dishonest proposer: a bonded account that posts one bad batch on top of the current L1
 * tip. None of the bad batches needs the real state: a wrong root is a random word, and the invalid
 * transactions are invalid whatever the state holds.
 */
import { type Hex, parseEventLogs, type PublicClient, type WalletClient, type Account, type Chain, type Transport } from "viem";
import { type BatchData, encodeBatchData } from "../../sequencer/protocol/batch.js";
import { fromHex, toHex, wordFromBigint } from "../../sequencer/protocol/bytes.js";
import { encodeChunkBody } from "../../sequencer/protocol/codec.js";
import { signTx } from "../../sequencer/protocol/sign.js";
import type { SignedTx } from "../../sequencer/protocol/types.js";
import { rollupAbi } from "../../sequencer/l1/contracts.generated.js";
import { testAccount } from "../../sequencer/testing/accounts.js";

export type BadKind = "wrong root" | "forged signature" | "replayed nonce" | "anchor without consent" | "undecodable data";

export class DishonestProposer {
  constructor(
    readonly wallet: WalletClient<Transport, Chain, Account>,
    readonly client: PublicClient,
    readonly rollup: Hex,
    readonly sep: Uint8Array,
  ) {}

  /** The chunk body of each kind of bad batch; `replay` is a transaction already executed on L2. */
  badChunk(kind: BadKind, replay: SignedTx): Uint8Array {
    const now = Math.floor(Date.now() / 1000);
    const sign = (name: string, tx: Parameters<typeof signTx>[1]) => signTx(this.sep, tx, testAccount(name).privateKey);
    switch (kind) {
      case "wrong root":
        return encodeChunkBody([
          sign("dishonest-grantor", { type: "GrantConsent", grantee: testAccount("clinic").address, access: 1, categories: 1, expiry: now + 3600, nonce: 0 }),
        ]);
      case "forged signature":
        // mallory signs a grant "for" alice as if mallory were alice's guardian
        return encodeChunkBody([
          sign("mallory", {
            type: "DelegatedGrantConsent",
            patient: testAccount("alice").address,
            grantee: testAccount("mallory").address,
            access: 3,
            categories: 0xffffffff,
            expiry: now + 3600,
            nonce: 0,
          }),
        ]);
      case "replayed nonce":
        return encodeChunkBody([replay]);
      case "anchor without consent":
        return encodeChunkBody([
          sign("rogue-lab", {
            type: "AnchorRecord",
            patient: testAccount("alice").address,
            recordId: toHex(wordFromBigint(99n)),
            ciphertextHash: toHex(wordFromBigint(1n)),
            locationHash: toHex(wordFromBigint(2n)),
            category: 1,
            version: 1,
            nonce: 0,
          }),
        ]);
      case "undecodable data":
        return new Uint8Array([1, 1, ...new Uint8Array(20).fill(0xaa), 0x00, 0, 0]); // type code 0: no transaction type
    }
  }

  /** Post one bad batch on the current tip; returns its index and L1 block. */
  async post(kind: BadKind, replay: SignedTx): Promise<{ index: number; block: bigint; txHash: Hex }> {
    const tip = await this.client.readContract({ address: this.rollup, abi: rollupAbi, functionName: "tipRoot" });
    const block = await this.client.getBlock();
    const data: BatchData = {
      forcedPostRoots: [],
      chunks: [{ postRoot: fromHex(toHex(wordFromBigint(BigInt(Date.now()) * 7919n + 1n)), 32), body: this.badChunk(kind, replay) }],
    };
    const hash = await this.wallet.writeContract({
      address: this.rollup,
      abi: rollupAbi,
      functionName: "submitBatch",
      args: [tip, block.timestamp, toHex(encodeBatchData(data))],
      account: this.wallet.account,
      chain: this.wallet.chain,
    });
    const r = await this.client.waitForTransactionReceipt({ hash });
    const [ev] = parseEventLogs({ abi: rollupAbi, logs: r.logs, eventName: "BatchSubmitted" });
    return { index: Number(ev!.args.index), block: r.blockNumber, txHash: hash };
  }
}

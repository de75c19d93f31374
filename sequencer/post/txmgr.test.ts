/**
 * The transaction manager's signing, without a node: prices come from a stub client, the key is a
 * development key. A blob transaction is signed without its sidecars (its hash is that form's), its
 * replacement doubles every cap, and the network form rebuilt for broadcast carries the same hash.
 */
import { expect } from "chai";
import { createWalletClient, custom, keccak256, parseTransaction, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { DEV_KEYS } from "../devnet/accounts.js";
import { chainFor } from "../l1/chain.js";
import { commitBlob } from "../blob/kzg.js";
import { BYTES_PER_BLOB } from "../blob/layout.js";
import { toHex } from "../protocol/bytes.js";
import { blobSidecars, withoutSidecars, withSidecars } from "./blob-tx.js";
import type { FeeCeiling } from "./fees.js";
import { FeeCeilingError, TxManager } from "./txmgr.js";

const GWEI = 1_000_000_000n;
const TO = "0x5fbdb2315678afecb367f032d93f642f64180aa3";

/** A client that answers the three price reads, and nothing else. */
const prices = (p: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint; baseFeePerGas: bigint; blobBaseFee: bigint }) =>
  ({
    estimateFeesPerGas: async () => ({ maxFeePerGas: p.maxFeePerGas, maxPriorityFeePerGas: p.maxPriorityFeePerGas }),
    getBlock: async () => ({ baseFeePerGas: p.baseFeePerGas }),
    getBlobBaseFee: async () => p.blobBaseFee,
  }) as unknown as PublicClient;

function manager(client: PublicClient, ceiling?: FeeCeiling): TxManager {
  // signing asks the node its chain id, and nothing else
  const transport = custom({
    request: async ({ method }: { method: string }) => {
      if (method === "eth_chainId") return "0x7a69";
      throw new Error(`no node here (${method})`);
    },
  });
  const wallet = createWalletClient({ account: privateKeyToAccount(DEV_KEYS[1]!), chain: chainFor(31337, "http://127.0.0.1:1"), transport });
  return new TxManager(client, wallet, TO, { confirmations: 1, pollMs: 100, ...(ceiling ? { ceiling } : {}) });
}

describe("transaction manager: blob transactions", () => {
  const blob = new Uint8Array(BYTES_PER_BLOB);
  blob.set([0, 9, 9], 64);
  const committed = commitBlob(blob);
  const hashes = [toHex(committed.versionedHash)];

  it("reads the prices the channel choice compares", async () => {
    const tx = manager(prices({ maxFeePerGas: 30n * GWEI, maxPriorityFeePerGas: GWEI, baseFeePerGas: 14n * GWEI, blobBaseFee: 3n }));
    expect(await tx.prices()).to.deep.equal({ baseFeePerGas: 14n * GWEI, maxPriorityFeePerGas: GWEI, blobBaseFee: 3n });
  });

  it("signs a type-3 transaction without its sidecars, with twice the blob base fee as its blob cap", async () => {
    const tx = manager(prices({ maxFeePerGas: 30n * GWEI, maxPriorityFeePerGas: GWEI, baseFeePerGas: 14n * GWEI, blobBaseFee: 5n }));
    const a = await tx.sign("0x1234", 400_000n, 7, null, hashes);
    expect(a).to.include({ nonce: 7, maxFeePerGas: String(30n * GWEI), maxPriorityFeePerGas: String(GWEI), maxFeePerBlobGas: "10" });
    expect(a.blobVersionedHashes).to.deep.equal(hashes);
    expect(a.raw.length, "a few hundred bytes, not the blob").to.be.below(2000);
    const parsed = parseTransaction(a.raw);
    expect(parsed.type).to.equal("eip4844");
    expect(parsed.blobVersionedHashes).to.deep.equal(hashes);
    expect(a.txHash).to.equal(keccak256(a.raw));
    // the network form carries the blob and hashes to the same transaction
    const network = withSidecars(a.raw, blobSidecars([committed]));
    expect(network.length).to.be.above(2 * BYTES_PER_BLOB);
    expect(keccak256(withoutSidecars(network))).to.equal(a.txHash);
  });

  it("replaces a blob transaction with every cap at least doubled, the same nonce and the same blobs", async () => {
    const tx = manager(prices({ maxFeePerGas: 30n * GWEI, maxPriorityFeePerGas: GWEI, baseFeePerGas: 14n * GWEI, blobBaseFee: 5n }));
    const first = await tx.sign("0x1234", 400_000n, 7, null, hashes);
    const next = await tx.sign("0x1234", 400_000n, 7, first, hashes);
    expect(next.nonce).to.equal(7);
    expect(next.txHash).to.not.equal(first.txHash);
    for (const k of ["maxFeePerGas", "maxPriorityFeePerGas", "maxFeePerBlobGas"] as const) expect(BigInt(next[k]!) >= 2n * BigInt(first[k]!), k).to.equal(true);
    expect(parseTransaction(next.raw).maxFeePerBlobGas).to.equal(BigInt(next.maxFeePerBlobGas!));
  });

  it("a calldata transaction stays type 2, bumped by 12.5 %", async () => {
    const tx = manager(prices({ maxFeePerGas: 30n * GWEI, maxPriorityFeePerGas: GWEI, baseFeePerGas: 14n * GWEI, blobBaseFee: 5n }));
    const first = await tx.sign("0x1234", 100_000n, 1, null);
    const next = await tx.sign("0x1234", 100_000n, 1, first);
    expect(parseTransaction(first.raw).type).to.equal("eip1559");
    expect(first).to.not.have.property("maxFeePerBlobGas");
    expect(BigInt(next.maxFeePerGas)).to.equal((30n * GWEI * 1125n) / 1000n + 1n);
  });

  it("signs at the fee ceiling when the market is above it, and refuses a bump past it (FeeCeilingError), the transaction left as it is", async () => {
    const ceiling = { maxFeePerGas: 40n * GWEI, maxFeePerBlobGas: 8n };
    const tx = manager(prices({ maxFeePerGas: 90n * GWEI, maxPriorityFeePerGas: GWEI, baseFeePerGas: 60n * GWEI, blobBaseFee: 5n }), ceiling);
    const first = await tx.sign("0x1234", 400_000n, 3, null, hashes);
    expect(first).to.include({ maxFeePerGas: String(40n * GWEI), maxFeePerBlobGas: "8" });
    expect(tx.atCeiling(first)).to.equal(true);
    let refused: unknown = null;
    await tx.sign("0x1234", 400_000n, 3, first, hashes).catch((e) => (refused = e));
    expect(refused).to.be.instanceOf(FeeCeilingError);
    expect((refused as Error).message)
      .to.include(first.txHash)
      .and.include("EPHR_MAX_FEE_PER_GAS_GWEI");
    // a calldata transaction under the ceiling is bumped as before
    const low = manager(prices({ maxFeePerGas: 30n * GWEI, maxPriorityFeePerGas: GWEI, baseFeePerGas: 14n * GWEI, blobBaseFee: 5n }), ceiling);
    const a = await low.sign("0x1234", 100_000n, 1, null);
    expect(low.atCeiling(a)).to.equal(false);
    expect(BigInt((await low.sign("0x1234", 100_000n, 1, a)).maxFeePerGas)).to.equal((30n * GWEI * 1125n) / 1000n + 1n);
  });
});

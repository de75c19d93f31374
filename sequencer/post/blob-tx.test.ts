/**
 * The two network forms of a blob transaction's sidecars (EIP-4844's blob proofs, EIP-7594's cell
 * proofs with wrapper version 1), checked against an independent implementation (ethers' transaction
 * codec) and c-kzg's verifiers; the strict parse refuses every other shape; the transaction manager's
 * `auto` setting sends the other form when a node refuses one, and keeps to it.
 */
import { expect } from "chai";
import { Transaction } from "ethers";
import { createWalletClient, custom, type Hex, keccak256, type PublicClient, toRlp, fromRlp } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { DEV_KEYS } from "../devnet/accounts.js";
import { chainFor } from "../l1/chain.js";
import { type CommittedBlob, commitBlob, loadKzg } from "../blob/kzg.js";
import { BYTES_PER_BLOB } from "../blob/layout.js";
import { toHex } from "../protocol/bytes.js";
import {
  type BlobSidecars,
  blobSidecars,
  BlobTxFormError,
  CELLS_PER_EXT_BLOB,
  parseBlobTx,
  type SidecarForm,
  signBlobTxWithoutSidecars,
  verifySidecars,
  withoutSidecars,
  withSidecars,
} from "./blob-tx.js";
import { type SidecarSetting, TxManager } from "./txmgr.js";

const TO = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
const account = privateKeyToAccount(DEV_KEYS[1]!);

/** A signed type-3 transaction carrying `blobs`, without sidecars (the test chain's values, any fees). */
function signedFor(blobs: readonly CommittedBlob[], chainId: number, nonce: number): Promise<Hex> {
  return signBlobTxWithoutSidecars({
    account,
    chainId,
    to: TO,
    data: "0x1234",
    gas: 400_000n,
    nonce,
    fees: { maxFeePerGas: 30_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n, maxFeePerBlobGas: 10n },
    versionedHashes: blobs.map((c) => toHex(c.versionedHash)),
  });
}

function blobWith(seed: number): Uint8Array {
  const b = new Uint8Array(BYTES_PER_BLOB);
  for (let i = 0; i < 4096; i += 97) b.set([seed, i & 0xff, (i >> 8) & 0xff], 32 * i + 1); // top byte of every field element zero
  return b;
}

describe("blob transaction network forms", function () {
  this.timeout(60_000);
  const committed = [commitBlob(blobWith(1)), commitBlob(blobWith(2))];
  let signed: Hex;
  const sidecars = new Map<SidecarForm, BlobSidecars>();

  before(async () => {
    signed = await signedFor(committed, 11155111, 3);
    for (const form of ["eip4844", "eip7594"] as const) sidecars.set(form, blobSidecars(committed, form));
  });

  it("eip7594: wrapper version 1 and 128 cell proofs per blob, as ethers reads them, with the same transaction hash", () => {
    const s = sidecars.get("eip7594")!;
    expect(s.proofs).to.have.length(2 * CELLS_PER_EXT_BLOB);
    const network = withSidecars(signed, s);
    const tx = Transaction.from(network);
    expect(tx.blobWrapperVersion).to.equal(1);
    expect(tx.hash).to.equal(keccak256(signed));
    expect(tx.blobs).to.have.length(2);
    tx.blobs!.forEach((b, i) => {
      expect(b.data).to.equal(toHex(committed[i]!.blob));
      expect(b.commitment).to.equal(toHex(committed[i]!.commitment));
      expect(b.proof).to.equal(
        `0x${s.proofs
          .slice(i * 128, (i + 1) * 128)
          .map((p) => Buffer.from(p).toString("hex"))
          .join("")}`,
      );
    });
    // ethers writes the same bytes from what it read
    expect(tx.serialized).to.equal(network);
    expect(withoutSidecars(network)).to.equal(signed);
  });

  it("eip4844: one blob proof per blob, as ethers reads it, with the same transaction hash", () => {
    const s = sidecars.get("eip4844")!;
    expect(s.proofs).to.have.length(2);
    const network = withSidecars(signed, s);
    const tx = Transaction.from(network);
    expect(tx.blobWrapperVersion).to.equal(null);
    expect(tx.hash).to.equal(keccak256(signed));
    expect(tx.blobs!.map((b) => b.proof)).to.deep.equal(s.proofs.map((p) => toHex(p)));
    expect(tx.serialized).to.equal(network);
    expect(withoutSidecars(network)).to.equal(signed);
  });

  it("the proofs of both forms verify (c-kzg), and one changed cell proof or commitment does not", () => {
    for (const form of ["eip4844", "eip7594"] as const) {
      const s = sidecars.get(form)!;
      expect(verifySidecars(s), form).to.equal(true);
      const proofs = s.proofs.slice();
      proofs[proofs.length - 1] = s.proofs[0]!;
      expect(verifySidecars({ ...s, proofs }), `${form}: a proof swapped`).to.equal(false);
      expect(verifySidecars({ ...s, commitments: [s.commitments[1]!, s.commitments[0]!] }), `${form}: commitments swapped`).to.equal(false);
    }
    // the cell proofs are c-kzg's own for the blob's cells
    const [cells, proofs] = loadKzg().computeCellsAndKzgProofs(committed[0]!.blob);
    expect(cells).to.have.length(CELLS_PER_EXT_BLOB);
    expect(proofs.map((p) => toHex(new Uint8Array(p)))).to.deep.equal(
      sidecars
        .get("eip7594")!
        .proofs.slice(0, 128)
        .map((p) => toHex(p)),
    );
  });

  it("parses back exactly what it wrote, in either form, and a transaction without sidecars as it is", () => {
    for (const form of ["eip4844", "eip7594"] as const) {
      const network = withSidecars(signed, sidecars.get(form)!);
      const p = parseBlobTx(network);
      expect(p.tx).to.equal(signed);
      expect(p.sidecars!.form).to.equal(form);
      expect(withSidecars(p.tx, p.sidecars!)).to.equal(network);
    }
    expect(parseBlobTx(signed)).to.deep.equal({ tx: signed, sidecars: null });
  });

  describe("refuses every other shape", () => {
    type Item = Hex | Item[];
    const items = (form: SidecarForm) => fromRlp(`0x${withSidecars(signed, sidecars.get(form)!).slice(4)}`, "hex") as Item[];
    const enc = (x: Item[]) => `0x03${toRlp(x as never, "hex").slice(2)}` as Hex;
    const refused = (raw: Hex, why: RegExp) => expect(() => parseBlobTx(raw)).to.throw(BlobTxFormError, why);

    it("a wrapper version other than 1", () => {
      const x = items("eip7594");
      x[1] = "0x02";
      refused(enc(x), /wrapper version/);
    });
    it("127 cell proofs for a blob, or a blob proof too many", () => {
      const x = items("eip7594");
      (x[4] as Item[]).pop();
      refused(enc(x), /proofs/);
      const y = items("eip4844");
      (y[3] as Item[]).push((y[3] as Item[])[0]!);
      refused(enc(y), /proofs/);
    });
    it("a commitment or proof that is not 48 bytes, a blob that is not 131,072", () => {
      const x = items("eip4844");
      (x[2] as Hex[])[0] = (x[2] as Hex[])[0]!.slice(0, -2) as Hex;
      refused(enc(x), /commitment 0 is not 48 bytes/);
      const y = items("eip7594");
      (y[4] as Hex[])[5] = `${(y[4] as Hex[])[5]!}00` as Hex;
      refused(enc(y), /proof 5 is not 48 bytes/);
      const z = items("eip4844");
      (z[1] as Hex[])[1] = (z[1] as Hex[])[1]!.slice(0, -2) as Hex;
      refused(enc(z), /blob 1 is not 131072 bytes/);
    });
    it("blobs that do not match the versioned hashes' count, a sixth item, a signed part of the wrong length", () => {
      const x = items("eip4844");
      for (const i of [1, 2, 3]) (x[i] as Item[]).pop();
      refused(enc(x), /1 blobs for 2 versioned hashes/);
      refused(enc([...items("eip7594"), "0x"]), /6 items/);
      const y = items("eip4844");
      (y[0] as Item[]).pop();
      refused(enc(y), /14 fields, not 13/);
    });
    it("a non-canonical encoding (a one-byte item written in long form), another type, bytes that are not RLP", () => {
      // the nonce 3 is the byte 0x03 itself in RLP; 0x8103 decodes to the same item but is not canonical
      const body = fromRlp(`0x${signed.slice(4)}`, "hex") as Item[];
      expect(body[1]).to.equal("0x03");
      const parts = body.map((x, i) => (i === 1 ? "8103" : toRlp(x as never, "hex").slice(2)));
      const payload = parts.join("");
      const bad = `0x03${lengthPrefix(payload.length / 2)}${payload}` as Hex;
      refused(bad, /not canonically encoded/);
      const network = withSidecars(signed, sidecars.get("eip4844")!);
      const inner = network.replace(signed.slice(4), bad.slice(4)) as Hex;
      expect(inner).to.not.equal(network);
      refused(inner, /not canonically encoded/);
      refused(`0x02${withSidecars(signed, sidecars.get("eip4844")!).slice(4)}` as Hex, /not a blob transaction/);
      refused("0x03ff", /not RLP/);
    });
  });
});

/** An RLP list header for `n` bytes of payload. */
function lengthPrefix(n: number): string {
  if (n < 56) return (0xc0 + n).toString(16);
  const len = n.toString(16).padStart(n.toString(16).length + (n.toString(16).length % 2), "0");
  return (0xf7 + len.length / 2).toString(16) + len;
}

describe("transaction manager: the sidecar form a node takes", () => {
  const committed = [commitBlob(blobWith(3))];
  const built = new Map<SidecarForm, BlobSidecars>();
  const source = (form: SidecarForm) => built.get(form) ?? built.set(form, blobSidecars(committed, form)).get(form)!;

  /** A node that takes blob transactions only in `takes` (none: refuses both), recording what was sent. */
  function node(takes: SidecarForm | null) {
    const sent: SidecarForm[] = [];
    const client = {
      sendRawTransaction: async ({ serializedTransaction }: { serializedTransaction: Hex }) => {
        const form = parseBlobTx(serializedTransaction).sidecars!.form;
        sent.push(form);
        if (form !== takes)
          throw new Error(
            form === "eip7594"
              ? "Invalid parameters were provided to the RPC method. Details: unexpected string"
              : "invalid sidecar: legacy blob proofs are not accepted after Osaka",
          );
        return keccak256(withoutSidecars(serializedTransaction));
      },
    } as unknown as PublicClient;
    return { client, sent };
  }

  async function rejection(p: Promise<unknown>): Promise<Error> {
    try {
      await p;
    } catch (e) {
      return e as Error;
    }
    throw new Error("expected a rejection");
  }

  function manager(client: PublicClient, chainId: number, sidecarForm: SidecarSetting, onSidecarForm?: (f: SidecarForm) => void) {
    const transport = custom({
      request: async ({ method }: { method: string }) => {
        throw new Error(`no node here (${method})`);
      },
    });
    const wallet = createWalletClient({ account, chain: chainFor(chainId, "http://127.0.0.1:1"), transport });
    return new TxManager(client, wallet, TO, { confirmations: 1, pollMs: 100, sidecarForm, ...(onSidecarForm ? { onSidecarForm } : {}) });
  }

  const raw = () => signedFor(committed, 1, 0);

  it("auto starts from eip4844 on the Hardhat network's chain and from eip7594 elsewhere", () => {
    expect(manager(node(null).client, 31337, "auto").sidecarForm).to.equal("eip4844");
    expect(manager(node(null).client, 11155111, "auto").sidecarForm).to.equal("eip7594");
    expect(manager(node(null).client, 31337, "eip7594").sidecarForm).to.equal("eip7594");
  });

  it("auto: a node that refuses the first form gets the same signed transaction in the other, which is kept from then on", async () => {
    const n = node("eip4844");
    const told: SidecarForm[] = [];
    const tx = manager(n.client, 11155111, "auto", (f) => told.push(f));
    await tx.broadcast(await raw(), source);
    expect(n.sent).to.deep.equal(["eip7594", "eip4844"]);
    expect(told).to.deep.equal(["eip4844"]);
    expect(tx.sidecarForm).to.equal("eip4844");
    await tx.broadcast(await raw(), source);
    expect(n.sent).to.deep.equal(["eip7594", "eip4844", "eip4844"]);
  });

  it("a form set by the operator is the only one sent; a node refusing both forms under auto is an error naming both", async () => {
    const fixed = node("eip7594");
    expect((await rejection(manager(fixed.client, 31337, "eip4844").broadcast(await raw(), source))).message).to.match(/legacy blob proofs/);
    expect(fixed.sent).to.deep.equal(["eip4844"]);
    const none = node(null);
    expect((await rejection(manager(none.client, 11155111, "auto").broadcast(await raw(), source))).message).to.match(
      /in both sidecar forms: eip7594: .*unexpected string.*; eip4844: .*legacy/,
    );
  });
});

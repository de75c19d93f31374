/**
 * The chunk codec's two twins against each other on bodies the shared vectors do not list: valid bodies
 * of every transaction type with integers across the whole range of their varints, the same bodies with
 * a few bytes edited or inserted, and varint fields rewritten into forms that are not minimal, too long
 * or out of range. ChunkVerifier.decodeError (ChunkCodec.sol) must give exactly the decode error the
 * TypeScript codec gives (0 when it decodes), so that no body is undecodable on one side only: a body
 * that only L1 refused would let an honest batch be convicted as Undecodable.
 */
import { expect } from "chai";
import fc from "fast-check";
import { network } from "hardhat";
import type { Hex } from "viem";
import { toHex } from "../../sequencer/protocol/bytes.js";
import { DecodeError, decodeChunkBody, encodeChunkBody, varintBytes } from "../../sequencer/protocol/codec.js";
import { DECODE_ERROR } from "../../sequencer/protocol/constants.js";
import { chunkTxsArb } from "../../sequencer/testing/arbitraries.js";

/** The TypeScript codec's verdict as the contract states it: 0, or the decode error's code. */
function tsCode(body: Uint8Array): number {
  try {
    decodeChunkBody(body);
    return 0;
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return e.code;
  }
}

/** A varint's bytes that are not its minimal form, or that no field of its width admits. */
const badVarint = fc.oneof(
  fc.integer({ min: 0, max: 127 }).map((v) => [v | 0x80, 0x00]),
  fc.integer({ min: 1, max: 4 }).map((n) => [...new Array(n).fill(0xff), 0x80, 0x00]),
  fc.constant([0x80, 0x80, 0x80, 0x80, 0x10]),
  fc.constant([0xff, 0xff, 0xff, 0xff, 0xff, 0x3f]),
  fc.constant([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
  fc.constant([0xff, 0xff, 0xff, 0xff, 0x8f]),
);

describe("chunk codec: Solidity and TypeScript agree on every body (differential)", () => {
  let verifier: Awaited<ReturnType<typeof deploy>>;
  async function deploy() {
    const { viem } = await network.create();
    return viem.deployContract("ChunkVerifier");
  }
  before(async () => {
    verifier = await deploy();
  });
  const onChain = async (body: Uint8Array) => Number(await verifier.read.decodeError([toHex(body) as Hex]));

  it("decodes every valid body, varints of every length included", async () => {
    await fc.assert(
      fc.asyncProperty(chunkTxsArb, async (txs) => {
        const body = encodeChunkBody(txs);
        expect(await onChain(body)).to.equal(0);
      }),
      { numRuns: 200 },
    );
  });

  it("gives the TypeScript decode error for valid bodies with bytes edited, inserted or cut", async () => {
    const edited = chunkTxsArb.chain((txs) => {
      const body = encodeChunkBody(txs);
      return fc.tuple(
        fc.constant(body),
        fc.array(fc.tuple(fc.nat(body.length - 1), fc.integer({ min: 0, max: 255 }), fc.constantFrom("set", "insert", "delete")), {
          minLength: 1,
          maxLength: 3,
        }),
      );
    });
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(edited, async ([body, edits]) => {
        let b = Array.from(body);
        for (const [i, v, how] of edits) {
          const at = Math.min(i, b.length);
          if (how === "set" && at < b.length) b[at] = v;
          else if (how === "insert") b = [...b.slice(0, at), v, ...b.slice(at)];
          else b = [...b.slice(0, at), ...b.slice(at + 1)];
        }
        const bytes = new Uint8Array(b);
        const want = tsCode(bytes);
        seen.add(want);
        expect(await onChain(bytes)).to.equal(want);
      }),
      { numRuns: 600 },
    );
    expect(seen.has(DECODE_ERROR.BadVarint), "some edit made a bad varint").to.equal(true);
  });

  it("refuses every varint form that is not minimal, too long or out of range in place of a RevokeConsent's nonce (BadVarint on both sides)", async () => {
    // A RevokeConsent's nonce is its last varint before the signature: replace it by a bad form.
    const revoke = chunkTxsArb.filter((txs) => txs.some((t) => t.tx.type === "RevokeConsent"));
    await fc.assert(
      fc.asyncProperty(revoke, badVarint, async (txs, bad) => {
        const i = txs.findIndex((t) => t.tx.type === "RevokeConsent");
        const full = encodeChunkBody(txs);
        // Transactions 0..i take the same bytes whatever the table (a reference is one byte), so the
        // encoding of the prefix alone says where transaction i ends: its nonce right before 64 bytes of signature.
        const prefix = encodeChunkBody(txs.slice(0, i + 1));
        const end = 2 + 20 * full[1]! + (prefix.length - (2 + 20 * prefix[1]!)) - 64;
        const nonceBytes = varintBytes((txs[i]!.tx as { nonce: number }).nonce);
        const body = new Uint8Array([...full.slice(0, end - nonceBytes), ...bad, ...full.slice(end)]);
        expect(tsCode(body)).to.equal(DECODE_ERROR.BadVarint);
        expect(await onChain(body)).to.equal(DECODE_ERROR.BadVarint);
      }),
      { numRuns: 200 },
    );
  });
});

/**
 * Packing valid transactions into chunks within the protocol's limits (transactions, address-table
 * entries, body bytes). Pure. The sequencer's engine and the batch builder use it to decide where one
 * chunk ends and the next begins (batch/policy.ts decides where a batch ends).
 */
import type { Address } from "viem";
import { ADDRESS_ENTRY_BYTES, addressesOf, CHUNK_BODY_HEADER_BYTES, encodedTxBytes, encodeChunkBody } from "../protocol/codec.js";
import { MAX_CHUNK_ADDRESSES, MAX_CHUNK_BODY_BYTES, MAX_CHUNK_TXS } from "../protocol/constants.js";
import type { SignedTx } from "../protocol/types.js";

export class ChunkPacker {
  readonly txs: SignedTx[] = [];
  private readonly addresses = new Set<Address>();
  private bytes = CHUNK_BODY_HEADER_BYTES;

  /** @param maxBodyBytes the body bound: the protocol's 4,096 bytes, or a blob slot's 958 (docs/protocol.md 7.7) */
  constructor(readonly maxBodyBytes: number = MAX_CHUNK_BODY_BYTES) {}

  /** Whether `stx` can join this chunk without breaking a limit. */
  fits(stx: SignedTx): boolean {
    if (this.txs.length >= MAX_CHUNK_TXS) return false;
    const fresh = addressesOf(stx.tx).filter((a) => !this.addresses.has(a));
    const distinct = new Set(fresh).size;
    if (this.addresses.size + distinct > MAX_CHUNK_ADDRESSES) return false;
    return this.bytes + ADDRESS_ENTRY_BYTES * distinct + encodedTxBytes(stx.tx) <= this.maxBodyBytes;
  }

  add(stx: SignedTx): void {
    if (!this.fits(stx)) throw new RangeError("transaction does not fit the chunk");
    for (const a of addressesOf(stx.tx)) {
      if (!this.addresses.has(a)) {
        this.addresses.add(a);
        this.bytes += ADDRESS_ENTRY_BYTES;
      }
    }
    this.bytes += encodedTxBytes(stx.tx);
    this.txs.push(stx);
  }

  get size(): number {
    return this.txs.length;
  }

  /** Encoded body size in bytes. */
  get byteLength(): number {
    return this.bytes;
  }

  encode(): Uint8Array {
    return encodeChunkBody(this.txs);
  }
}

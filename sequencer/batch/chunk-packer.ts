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
    return this.measure(stx) !== null;
  }

  add(stx: SignedTx): void {
    const m = this.measure(stx);
    if (m === null) throw new RangeError("transaction does not fit the chunk");
    for (const a of m.fresh) this.addresses.add(a);
    this.bytes = m.bytesAfter;
    this.txs.push(stx);
  }

  /** The addresses `stx` adds to the table and the body's size with it, or null if it breaks a limit. */
  private measure(stx: SignedTx): { fresh: Set<Address>; bytesAfter: number } | null {
    if (this.txs.length >= MAX_CHUNK_TXS) return null;
    const fresh = new Set(addressesOf(stx.tx).filter((a) => !this.addresses.has(a)));
    if (this.addresses.size + fresh.size > MAX_CHUNK_ADDRESSES) return null;
    const bytesAfter = this.bytes + ADDRESS_ENTRY_BYTES * fresh.size + encodedTxBytes(stx.tx);
    return bytesAfter <= this.maxBodyBytes ? { fresh, bytesAfter } : null;
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

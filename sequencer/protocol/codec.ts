/**
 * The compact L1 encoding of a chunk's transactions (docs/protocol.md, "Chunk body"). Pure.
 *
 *   body    := txCount:u8 | addrCount:u8 | addr[addrCount]:20 bytes each, strictly ascending | tx*
 *   tx      := header:u8 | fields (schema.ts order) | signature:64 (EIP-2098 r || yParityAndS)
 *   header  := type code (low 4 bits) | 0 in bits 4-7
 *   address := u8 index into the chunk's address table; every entry is referenced at least once
 *   uint8   := 1 byte;  bytes32 := 32 bytes
 *   uint32, uint40 := minimal unsigned LEB128 varint (7 bits a byte, low group first, bit 7 set on every
 *             byte but the last; at most 5 / 6 bytes; no 0x00 last byte unless it is the only one)
 *
 * The signer is not encoded: it is recovered from the signature. Mirrored by
 * contracts/libraries/ChunkCodec.sol; decode never accepts a byte string it cannot re-encode identically.
 */
import type { Address, Hex } from "viem";
import { fromHex, toHex } from "./bytes.js";
import {
  DECODE_ERROR,
  type DecodeErrorName,
  HEADER_RESERVED_MASK,
  HEADER_TYPE_MASK,
  MAX_CHUNK_ADDRESSES,
  MAX_CHUNK_BODY_BYTES,
  MAX_CHUNK_TXS,
  MAX_UINT32,
  MAX_UINT40,
  TX_TYPE,
  TX_TYPE_NAME,
} from "./constants.js";
import { FIXED_FIELD_BYTES, type FieldKind, isVarintKind, SIGNATURE_BYTES, TX_FIELDS, VARINT_MAX_BYTES, type VarintKind } from "./schema.js";
import type { SignedTx, Tx } from "./types.js";

export class DecodeError extends Error {
  readonly code: number;
  constructor(
    readonly reason: DecodeErrorName,
    readonly offset: number,
  ) {
    super(`chunk body does not decode: ${reason} at byte ${offset}`);
    this.name = "DecodeError";
    this.code = DECODE_ERROR[reason];
  }
}

/** A transaction the codec cannot represent (out-of-range field, malformed hex). */
export class EncodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EncodeError";
  }
}

const VARINT_MAX: Record<VarintKind, number> = { uint32: MAX_UINT32, uint40: MAX_UINT40 };
const INT_MAX: Partial<Record<FieldKind, number>> = { uint8: 0xff, ...VARINT_MAX };
const HEX32 = /^0x[0-9a-fA-F]{64}$/;
const HEX20 = /^0x[0-9a-fA-F]{40}$/;

type Fields = Record<string, number | string>;

/** Check that every field of `tx` fits its kind; throws EncodeError naming the first that does not. */
export function checkEncodable(stx: SignedTx): void {
  const spec = TX_FIELDS[stx.tx.type];
  if (spec === undefined) throw new EncodeError(`unknown transaction type ${String(stx.tx.type)}`);
  const f = stx.tx as unknown as Fields;
  for (const [name, kind] of spec) {
    const v = f[name];
    if (kind === "address") {
      if (typeof v !== "string" || !HEX20.test(v)) throw new EncodeError(`${name} must be a 20-byte 0x address`);
    } else if (kind === "bytes32") {
      if (typeof v !== "string" || !HEX32.test(v)) throw new EncodeError(`${name} must be a 32-byte 0x hex word`);
    } else if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > INT_MAX[kind]!) {
      throw new EncodeError(`${name} out of range for ${kind}: ${String(v)}`);
    }
  }
  if (typeof stx.signature !== "string" || !/^0x[0-9a-fA-F]{128}$/.test(stx.signature)) {
    throw new EncodeError("signature must be 64 bytes (EIP-2098 compact form)");
  }
}

/** The addresses a transaction's encoding references, lower-cased, in field order. */
export function addressesOf(tx: Tx): Address[] {
  const f = tx as unknown as Fields;
  return TX_FIELDS[tx.type].filter(([, k]) => k === "address").map(([n]) => (f[n] as string).toLowerCase() as Address);
}

class Writer {
  private buf = new Uint8Array(1024);
  len = 0;
  private room(n: number) {
    if (this.len + n <= this.buf.length) return;
    const b = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }
  uint(v: number, bytes: number) {
    this.room(bytes);
    for (let i = bytes - 1; i >= 0; i--) {
      this.buf[this.len + i] = v % 256;
      v = Math.floor(v / 256);
    }
    this.len += bytes;
  }
  /** Minimal unsigned LEB128 (the value is checked to fit its kind by checkEncodable). */
  varint(v: number) {
    this.room(6);
    do {
      const low = v % 128;
      v = Math.floor(v / 128);
      this.buf[this.len++] = v > 0 ? low | 0x80 : low;
    } while (v > 0);
  }
  bytes(b: Uint8Array) {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Encode a chunk's transactions (1..MAX_CHUNK_TXS of them) into its body. */
export function encodeChunkBody(txs: readonly SignedTx[]): Uint8Array {
  if (txs.length === 0 || txs.length > MAX_CHUNK_TXS) throw new EncodeError(`a chunk holds 1..${MAX_CHUNK_TXS} txs`);
  const all = new Set<Address>();
  for (const stx of txs) {
    checkEncodable(stx);
    for (const a of addressesOf(stx.tx)) all.add(a);
  }
  const table = [...all].sort();
  if (table.length > MAX_CHUNK_ADDRESSES) throw new EncodeError(`a chunk references at most ${MAX_CHUNK_ADDRESSES} addresses`);
  const refOf = new Map(table.map((a, i) => [a, i]));
  const w = new Writer();
  w.uint(txs.length, 1);
  w.uint(table.length, 1);
  for (const a of table) w.bytes(fromHex(a, 20));
  for (const stx of txs) encodeTx(w, stx, refOf);
  const body = w.result();
  if (body.length > MAX_CHUNK_BODY_BYTES) throw new EncodeError(`chunk body exceeds ${MAX_CHUNK_BODY_BYTES} bytes`);
  return body;
}

/** Layout of a chunk body (docs/protocol.md section 5): txCount and addrCount bytes, then 20 bytes per table entry. */
export const CHUNK_BODY_HEADER_BYTES = 2;
export const ADDRESS_ENTRY_BYTES = 20;

/** Bytes of the minimal LEB128 varint of `v` (a non-negative safe integer). */
export function varintBytes(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Encoded size of a transaction excluding its address-table entries (its varints depend on its values). */
export function encodedTxBytes(tx: Tx): number {
  const f = tx as unknown as Fields;
  let n = 1 + SIGNATURE_BYTES;
  for (const [name, kind] of TX_FIELDS[tx.type]) n += isVarintKind(kind) ? varintBytes(f[name] as number) : FIXED_FIELD_BYTES[kind];
  return n;
}

function encodeTx(w: Writer, stx: SignedTx, refOf: Map<Address, number>): void {
  const f = stx.tx as unknown as Fields;
  w.uint(TX_TYPE[stx.tx.type], 1);
  for (const [name, kind] of TX_FIELDS[stx.tx.type]) {
    const v = f[name]!;
    if (kind === "address") w.uint(refOf.get((v as string).toLowerCase() as Address)!, 1);
    else if (kind === "bytes32") w.bytes(fromHex(v as string, 32));
    else if (kind === "uint8") w.uint(v as number, 1);
    else w.varint(v as number);
  }
  w.bytes(fromHex(stx.signature, 64));
}

class Reader {
  pos = 0;
  constructor(private readonly b: Uint8Array) {}
  need(n: number) {
    if (this.pos + n > this.b.length) throw new DecodeError("Truncated", this.pos);
  }
  uint(bytes: number): number {
    this.need(bytes);
    let v = 0;
    for (let i = 0; i < bytes; i++) v = v * 256 + this.b[this.pos++]!;
    return v;
  }
  /** A minimal LEB128 varint of `kind`; BadVarint (at its first byte) if longer than the kind allows, not minimal, or out of range. */
  varint(kind: VarintKind): number {
    const at = this.pos;
    const maxBytes = VARINT_MAX_BYTES[kind];
    let v = 0;
    let scale = 1;
    for (let i = 0; i < maxBytes; i++) {
      this.need(1);
      const b = this.b[this.pos++]!;
      v += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) throw new DecodeError("BadVarint", at);
        if (v > VARINT_MAX[kind]) throw new DecodeError("BadVarint", at);
        return v;
      }
    }
    throw new DecodeError("BadVarint", at);
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  get remaining() {
    return this.b.length - this.pos;
  }
}

/** Decode a chunk body; throws DecodeError (with the protocol's reason code) on any malformation. */
export function decodeChunkBody(body: Uint8Array): SignedTx[] {
  if (body.length > MAX_CHUNK_BODY_BYTES) throw new DecodeError("BodyTooLong", MAX_CHUNK_BODY_BYTES);
  const r = new Reader(body);
  const txCount = r.uint(1);
  if (txCount === 0 || txCount > MAX_CHUNK_TXS) throw new DecodeError("BadTxCount", 0);
  const addrCount = r.uint(1);
  if (addrCount > MAX_CHUNK_ADDRESSES) throw new DecodeError("BadAddressCount", 1);
  const table: Address[] = [];
  for (let i = 0; i < addrCount; i++) {
    const at = r.pos;
    const a = toHex(r.bytes(20)) as Address;
    if (i > 0 && a <= table[i - 1]!) throw new DecodeError("AddressOrder", at);
    table.push(a);
  }
  const used = new Uint8Array(addrCount);
  const txs: SignedTx[] = [];
  for (let t = 0; t < txCount; t++) {
    const at = r.pos;
    const header = r.uint(1);
    if ((header & HEADER_RESERVED_MASK) !== 0) throw new DecodeError("ReservedBits", at);
    const type = TX_TYPE_NAME[header & HEADER_TYPE_MASK];
    if (type === undefined) throw new DecodeError("UnknownTxType", at);
    const f: Fields = { type };
    for (const [name, kind] of TX_FIELDS[type]) {
      if (kind === "address") {
        const refAt = r.pos;
        const i = r.uint(1);
        if (i >= addrCount) throw new DecodeError("AddressRef", refAt);
        used[i] = 1;
        f[name] = table[i]!;
      } else if (kind === "bytes32") {
        f[name] = toHex(r.bytes(32));
      } else if (kind === "uint8") {
        f[name] = r.uint(1);
      } else {
        f[name] = r.varint(kind);
      }
    }
    txs.push({ tx: f as unknown as Tx, signature: toHex(r.bytes(64)) as Hex });
  }
  if (r.remaining !== 0) throw new DecodeError("TrailingBytes", r.pos);
  const unused = used.indexOf(0);
  if (unused !== -1) throw new DecodeError("UnusedAddress", 2 + unused * 20);
  return txs;
}

/**
 * The compact L1 encoding of a chunk's transactions (docs/protocol.md, "Chunk body"). Pure.
 *
 *   body    := txCount:u8 | addrCount:u8 | addr[addrCount]:20 bytes each, strictly ascending | tx*
 *   tx      := header:u8 | fields (per type) | signature:64 (EIP-2098 r || yParityAndS)
 *   header  := type (low 4 bits) | 0x10 if signed by a delegate (consent types only) | 0 in bits 5-7
 *   ref     := u8 index into the chunk's address table; every entry is referenced at least once
 *
 * Integers are big-endian. Mirrored by contracts/libraries/ChunkCodec.sol; decode never accepts a byte
 * string it cannot re-encode identically.
 */
import type { Address, Hex } from "viem";
import { fromHex, toHex } from "./bytes.js";
import {
  DECODE_ERROR,
  type DecodeErrorName,
  FLAG_DELEGATE_SIGNED,
  HEADER_RESERVED_MASK,
  HEADER_TYPE_MASK,
  MAX_CHUNK_ADDRESSES,
  MAX_CHUNK_BODY_BYTES,
  MAX_CHUNK_TXS,
  MAX_UINT32,
  MAX_UINT40,
  TX_TYPE,
} from "./constants.js";
import { allowsDelegate, type SignedTx, type Tx } from "./types.js";

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

/** A transaction the codec cannot represent (out-of-range field, wrong signer shape). */
export class EncodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EncodeError";
  }
}

const lower = (a: string) => a.toLowerCase() as Address;

/** The addresses a transaction's encoding references, in field order. */
function addressesOf(stx: SignedTx): Address[] {
  const tx = stx.tx;
  const signer = lower(stx.signer);
  const patient = lower(tx.patient);
  switch (tx.type) {
    case "GrantConsent":
    case "RevokeConsent":
      return signer === patient ? [patient, lower(tx.grantee)] : [patient, signer, lower(tx.grantee)];
    case "AnchorRecord":
      return [signer, patient];
    case "SetDelegate":
      return [patient, lower(tx.delegate)];
  }
}

function checkEncodable(stx: SignedTx): void {
  const tx = stx.tx;
  const u = (v: number, max: number, name: string) => {
    if (!Number.isInteger(v) || v < 0 || v > max) throw new EncodeError(`${name} out of range: ${v}`);
  };
  u(tx.nonce, MAX_UINT32, "nonce");
  if (tx.type === "GrantConsent") {
    u(tx.access, 255, "access");
    u(tx.categories, MAX_UINT32, "categories");
    u(tx.expiry, MAX_UINT40, "expiry");
  } else if (tx.type === "AnchorRecord") {
    u(tx.category, 255, "category");
    u(tx.version, MAX_UINT32, "version");
  } else if (tx.type === "SetDelegate") {
    u(tx.expiry, MAX_UINT40, "expiry");
    if (lower(stx.signer) !== lower(tx.patient)) throw new EncodeError("SetDelegate must be signed by the patient");
  }
  if (fromHex(stx.signature).length !== 64) throw new EncodeError("signature must be 64 bytes (compact form)");
}

class Writer {
  private buf = new Uint8Array(512);
  len = 0;
  private room(n: number) {
    if (this.len + n <= this.buf.length) return;
    const b = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }
  u8(v: number) {
    this.room(1);
    this.buf[this.len++] = v;
  }
  uint(v: number, bytes: number) {
    this.room(bytes);
    for (let i = bytes - 1; i >= 0; i--) {
      this.buf[this.len + i] = v % 256;
      v = Math.floor(v / 256);
    }
    this.len += bytes;
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
    for (const a of addressesOf(stx)) all.add(a);
  }
  const table = [...all].sort();
  if (table.length > MAX_CHUNK_ADDRESSES) throw new EncodeError(`a chunk references at most ${MAX_CHUNK_ADDRESSES} addresses`);
  const refOf = new Map(table.map((a, i) => [a, i]));
  const w = new Writer();
  w.u8(txs.length);
  w.u8(table.length);
  for (const a of table) w.bytes(fromHex(a, 20));
  for (const stx of txs) encodeTx(w, stx, refOf);
  const body = w.result();
  if (body.length > MAX_CHUNK_BODY_BYTES) throw new EncodeError(`chunk body exceeds ${MAX_CHUNK_BODY_BYTES} bytes`);
  return body;
}

function encodeTx(w: Writer, stx: SignedTx, refOf: Map<Address, number>): void {
  const tx = stx.tx;
  const refs = addressesOf(stx).map((a) => refOf.get(a)!);
  const delegated = allowsDelegate(tx.type) && refs.length === 3;
  w.u8(TX_TYPE[tx.type] | (delegated ? FLAG_DELEGATE_SIGNED : 0));
  for (const r of refs) w.u8(r);
  switch (tx.type) {
    case "GrantConsent":
      w.u8(tx.access);
      w.uint(tx.categories, 4);
      w.uint(tx.expiry, 5);
      break;
    case "RevokeConsent":
      break;
    case "AnchorRecord":
      w.bytes(fromHex(tx.recordId, 32));
      w.bytes(fromHex(tx.ciphertextHash, 32));
      w.bytes(fromHex(tx.locationHash, 32));
      w.u8(tx.category);
      w.uint(tx.version, 4);
      break;
    case "SetDelegate":
      w.uint(tx.expiry, 5);
      break;
  }
  w.uint(tx.nonce, 4);
  w.bytes(fromHex(stx.signature, 64));
}

class Reader {
  pos = 0;
  constructor(private readonly b: Uint8Array) {}
  need(n: number) {
    if (this.pos + n > this.b.length) throw new DecodeError("Truncated", this.pos);
  }
  u8(): number {
    this.need(1);
    return this.b[this.pos++]!;
  }
  uint(bytes: number): number {
    this.need(bytes);
    let v = 0;
    for (let i = 0; i < bytes; i++) v = v * 256 + this.b[this.pos++]!;
    return v;
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
  const txCount = r.u8();
  if (txCount === 0 || txCount > MAX_CHUNK_TXS) throw new DecodeError("BadTxCount", 0);
  const addrCount = r.u8();
  if (addrCount > MAX_CHUNK_ADDRESSES) throw new DecodeError("BadAddressCount", 1);
  const table: Address[] = [];
  for (let i = 0; i < addrCount; i++) {
    const at = r.pos;
    const a = toHex(r.bytes(20)) as Address;
    if (i > 0 && a <= table[i - 1]!) throw new DecodeError("AddressOrder", at);
    table.push(a);
  }
  const used = new Uint8Array(addrCount);
  const ref = (): Address => {
    const at = r.pos;
    const i = r.u8();
    if (i >= addrCount) throw new DecodeError("AddressRef", at);
    used[i] = 1;
    return table[i]!;
  };
  const txs: SignedTx[] = [];
  for (let t = 0; t < txCount; t++) txs.push(decodeTx(r, ref));
  if (r.remaining !== 0) throw new DecodeError("TrailingBytes", r.pos);
  const unused = used.indexOf(0);
  if (unused !== -1) throw new DecodeError("UnusedAddress", 2 + unused * 20);
  return txs;
}

function decodeTx(r: Reader, ref: () => Address): SignedTx {
  const at = r.pos;
  const header = r.u8();
  if ((header & HEADER_RESERVED_MASK) !== 0) throw new DecodeError("ReservedBits", at);
  const typeCode = header & HEADER_TYPE_MASK;
  const delegated = (header & FLAG_DELEGATE_SIGNED) !== 0;
  let tx: Tx;
  let signer: Address;
  const consentRefs = (): [Address, Address, Address] => {
    const patient = ref();
    const refAt = r.pos;
    const s = delegated ? ref() : patient;
    if (delegated && s === patient) throw new DecodeError("BadFlag", refAt);
    return [patient, s, ref()];
  };
  switch (typeCode) {
    case TX_TYPE.GrantConsent: {
      const [patient, s, grantee] = consentRefs();
      const access = r.u8();
      const categories = r.uint(4);
      const expiry = r.uint(5);
      tx = { type: "GrantConsent", patient, grantee, access, categories, expiry, nonce: r.uint(4) };
      signer = s;
      break;
    }
    case TX_TYPE.RevokeConsent: {
      const [patient, s, grantee] = consentRefs();
      tx = { type: "RevokeConsent", patient, grantee, nonce: r.uint(4) };
      signer = s;
      break;
    }
    case TX_TYPE.AnchorRecord: {
      if (delegated) throw new DecodeError("BadFlag", at);
      signer = ref();
      const patient = ref();
      const recordId = toHex(r.bytes(32));
      const ciphertextHash = toHex(r.bytes(32));
      const locationHash = toHex(r.bytes(32));
      const category = r.u8();
      const version = r.uint(4);
      tx = { type: "AnchorRecord", patient, recordId, ciphertextHash, locationHash, category, version, nonce: r.uint(4) };
      break;
    }
    case TX_TYPE.SetDelegate: {
      if (delegated) throw new DecodeError("BadFlag", at);
      const patient = ref();
      const delegate = ref();
      const expiry = r.uint(5);
      tx = { type: "SetDelegate", patient, delegate, expiry, nonce: r.uint(4) };
      signer = patient;
      break;
    }
    default:
      throw new DecodeError("UnknownTxType", at);
  }
  const signature: Hex = toHex(r.bytes(64));
  return { tx, signer, signature };
}

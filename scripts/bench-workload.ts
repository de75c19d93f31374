/**
 * The transactions bench-sequencer.ts sends, as pure functions (no I/O): `grant` is GrantConsent alone,
 * one new patient per transaction; `mix` is the workload of a health exchange (issue 16): patients
 * granting a provider, the provider anchoring a record, the vault logging reads of it, and half of the
 * grants revoked again.
 *
 * A request body of the mix is a run of units; a unit is one new patient's story, in nonce order:
 * GrantConsent (READ|WRITE to the body's provider), AnchorRecord by that provider, two LogAccess by the
 * body's vault (registered by the registrar before the timed run: registrations()), and, in every other
 * unit, RevokeConsent. Every signer's transactions sit in one body, in nonce order, so bodies can be sent
 * concurrently without one overtaking another's nonces. Units are never cut: a body holds the most that
 * fit in `per` transactions, and every body holds the same number.
 */
import type { Hex } from "viem";
import { toHex } from "../sequencer/protocol/bytes.js";
import { keccak256 } from "../sequencer/protocol/hash.js";
import { addressOf } from "../sequencer/protocol/signature.js";
import type { Tx } from "../sequencer/protocol/types.js";

export type Workload = "grant" | "mix";

export function parseWorkload(v: string | undefined): Workload {
  const w = v ?? "grant";
  if (w !== "grant" && w !== "mix") throw new Error(`BENCH_WORKLOAD must be "grant" or "mix", not ${JSON.stringify(v)}`);
  return w;
}

export interface Unsigned {
  tx: Tx;
  key: Hex;
}

const enc = new TextEncoder();
export const benchKey = (label: string): Hex => toHex(keccak256(enc.encode(label)));
const word = (label: string): Hex => toHex(keccak256(enc.encode(label)));

/** Sizes of the units of one mix body (alternately with and without the revocation) that fit in `per`. */
export function mixUnits(per: number): number[] {
  const units: number[] = [];
  let used = 0;
  for (let u = 0; ; u++) {
    const size = u % 2 === 0 ? 5 : 4;
    if (used + size > per) break;
    units.push(size);
    used += size;
  }
  if (units.length === 0) throw new Error(`BENCH_PER_REQUEST must be at least 5 for the mix, not ${per}`);
  return units;
}

/** Transactions in one mix body. */
export const mixBodySize = (per: number): number => mixUnits(per).reduce((a, b) => a + b, 0);

/** The vault account of mix body `b` (registered before the run). */
export const mixVaultKey = (b: number): Hex => benchKey(`bench-mix-vault-${b}`);

/** The unsigned transactions of mix body `b`, in the order they are sent. */
export function mixBody(b: number, per: number, expiry: number): Unsigned[] {
  const providerKey = benchKey(`bench-mix-provider-${b}`);
  const vaultKey = mixVaultKey(b);
  const provider = addressOf(providerKey);
  let providerNonce = 0;
  let vaultNonce = 0;
  const out: Unsigned[] = [];
  mixUnits(per).forEach((size, u) => {
    const patientKey = benchKey(`bench-mix-patient-${b}-${u}`);
    const patient = addressOf(patientKey);
    const recordId = word(`bench-mix-record-${b}-${u}`);
    out.push({ key: patientKey, tx: { type: "GrantConsent", grantee: provider, access: 3, categories: 0b111, expiry, nonce: 0 } });
    out.push({
      key: providerKey,
      tx: {
        type: "AnchorRecord",
        patient,
        recordId,
        ciphertextHash: word(`bench-mix-ciphertext-${b}-${u}`),
        locationHash: word(`bench-mix-location-${b}-${u}`),
        category: 1,
        version: 1,
        nonce: providerNonce++,
      },
    });
    for (let r = 0; r < 2; r++)
      out.push({
        key: vaultKey,
        tx: { type: "LogAccess", patient, reader: provider, recordId, version: 1, requestHash: word(`bench-mix-request-${b}-${u}-${r}`), nonce: vaultNonce++ },
      });
    if (size === 5) out.push({ key: patientKey, tx: { type: "RevokeConsent", grantee: provider, nonce: 1 } });
  });
  return out;
}

/** The registrar's RegisterVault transactions for the vaults of mix bodies 0..bodies-1, from its nonce `nonce`. */
export function registrations(bodies: number, registrarKey: Hex, nonce: number, expiry: number): Unsigned[] {
  return Array.from({ length: bodies }, (_, b) => ({
    key: registrarKey,
    tx: { type: "RegisterVault", vault: addressOf(mixVaultKey(b)), expiry, nonce: nonce + b } as Tx,
  }));
}

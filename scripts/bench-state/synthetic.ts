/**
 * A synthetic state with the mix of a health exchange, a deterministic function of the patient index
 * (so the builder and the measuring process agree on it without sharing files):
 *   patient i:   a nonce, 1-5 grants (about 3) to providers, 5-15 record pointers (about 10, each an
 *                89-byte preimage), an access-log head: about 15 entries;
 *   provider j:  a nonce and an encryption key; one provider per 100 patients.
 * Keys and values are made by the protocol's own functions (sequencer/protocol/keys.ts).
 */
import type { Address, Hex } from "viem";
import { toHex, type Word } from "../../sequencer/protocol/bytes.js";
import { keccak256 } from "../../sequencer/protocol/hash.js";
import {
  accessLogKey,
  consentKey,
  consentWord,
  encryptionKeyKey,
  nonceKey,
  nonceWord,
  recordKey,
  recordPreimage,
  recordWord,
} from "../../sequencer/protocol/keys.js";
import type { StateEntry } from "../../sequencer/statedb/store.js";

export const PATIENTS_PER_PROVIDER = 100;
/** Mean entries of a patient (1 + 3 + 10 + 1) plus its share of a provider's two. */
export const ENTRIES_PER_PATIENT = 15 + 2 / PATIENTS_PER_PROVIDER;

const seedBuf = new Uint8Array(9);
/** A pseudo-random word for (tag, index, sub): keccak of the three. */
export function rand(tag: number, index: number, sub = 0): Word {
  seedBuf[0] = tag;
  const dv = new DataView(seedBuf.buffer);
  dv.setUint32(1, index);
  dv.setUint32(5, sub);
  return keccak256(seedBuf);
}

const addressOf = (tag: number, i: number): Address => toHex(rand(tag, i).subarray(12)) as Address;
export const patientAddress = (i: number): Address => addressOf(1, i);
export const providerAddress = (j: number): Address => addressOf(2, j);
export const providerCount = (patients: number): number => Math.max(1, Math.ceil(patients / PATIENTS_PER_PROVIDER));
export const patientsFor = (entries: number): number => Math.max(1, Math.round(entries / ENTRIES_PER_PATIENT));

export interface PatientShape {
  address: Address;
  grantees: Address[];
  recordIds: Hex[];
}

export function patientShape(i: number, providers: number): PatientShape {
  const r = rand(3, i);
  const grants = 1 + (r[0]! % 5);
  const records = 5 + (r[1]! % 11);
  const grantees = new Set<Address>();
  for (let k = 0; k < grants; k++) grantees.add(providerAddress(((r[2 + k]! << 8) | r[8 + k]!) % providers));
  const recordIds: Hex[] = [];
  for (let k = 0; k < records; k++) recordIds.push(toHex(rand(4, i, k)));
  return { address: patientAddress(i), grantees: [...grantees], recordIds };
}

export function recordEntry(patient: Address, recordId: Hex, provider: Address, salt: number): StateEntry {
  const h = rand(5, salt);
  const preimage = recordPreimage({ provider, ciphertextHash: toHex(h), locationHash: toHex(keccak256(h)), category: h[0]! % 32, version: 1 + (h[1]! % 3) });
  return { key: recordKey(patient, recordId), value: recordWord(preimage), preimage };
}

/** Every entry of patient i. */
export function patientEntries(i: number, providers: number): StateEntry[] {
  const s = patientShape(i, providers);
  const r = rand(6, i);
  const out: StateEntry[] = [{ key: nonceKey(s.address), value: nonceWord(1 + (r[0]! % 50)) }];
  s.grantees.forEach((g, k) =>
    out.push({
      key: consentKey(s.address, g),
      value: consentWord({ access: 1 + (r[1 + k]! % 3), categories: 1 + r[6 + k]!, expiry: 2_000_000_000 + r[11 + k]! }),
    }),
  );
  s.recordIds.forEach((id, k) => out.push(recordEntry(s.address, id, s.grantees[k % s.grantees.length]!, i * 16 + k)));
  out.push({ key: accessLogKey(s.address), value: rand(7, i) });
  return out;
}

/** Both entries of provider j. */
export function providerEntries(j: number): StateEntry[] {
  const a = providerAddress(j);
  return [
    { key: nonceKey(a), value: nonceWord(1 + j) },
    { key: encryptionKeyKey(a), value: rand(8, j) },
  ];
}

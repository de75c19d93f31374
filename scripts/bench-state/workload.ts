/**
 * The update load of the state benchmark: the state writes of the transactions an exchange sees, two
 * writes each, as the transition function makes them (a nonce update, then the transaction's own
 * write), on random patients and providers of the synthetic state:
 *   40 % AnchorRecord   provider nonce + a record pointer with its 89-byte preimage: a new version of
 *                       one of the patient's records (three in four), or a new record (an insert)
 *   30 % LogAccess      vault nonce + the patient's access-log head
 *   20 % GrantConsent   patient nonce + a consent (new or replacing one)
 *   10 % RevokeConsent  patient nonce + a consent deleted (one the patient granted; absent if revoked already)
 * Keys and values are computed before a batch is timed: the benchmark times the state, not keccak of
 * addresses.
 */
import { concatBytes, toHex, type Word } from "../../sequencer/protocol/bytes.js";
import { keccak256 } from "../../sequencer/protocol/hash.js";
import { accessLogKey, consentKey, consentWord, nonceKey, nonceOf, nonceWord } from "../../sequencer/protocol/keys.js";
import type { LeafValue } from "../../sequencer/state/access.js";
import type { StoredTreeState } from "../../sequencer/statedb/state.js";
import { patientShape, providerAddress, rand, recordEntry } from "./synthetic.js";

export type StateOp = { kind: "bump"; key: Word } | { kind: "chain"; key: Word; entry: Word } | { kind: "put"; key: Word; next: LeafValue };

const ZERO = new Uint8Array(32);
const bump = (old: LeafValue): LeafValue => ({ value: nonceWord(nonceOf(old.value) + 1) });

export class Workload {
  private x: number;
  private fresh = 0;

  constructor(
    readonly patients: number,
    readonly providers: number,
    seed: number,
  ) {
    this.x = seed | 1;
  }

  private next(): number {
    // xorshift32: cheap, deterministic choices
    this.x ^= this.x << 13;
    this.x ^= this.x >>> 17;
    this.x ^= this.x << 5;
    return this.x >>> 0;
  }

  /** The ops of `writes` writes (writes/2 transactions). */
  batch(writes: number): StateOp[] {
    const ops: StateOp[] = [];
    while (ops.length < writes) {
      const r = this.next() % 100;
      const i = this.next() % this.patients;
      const provider = providerAddress(this.next() % this.providers);
      if (r < 40) {
        const s = patientShape(i, this.providers);
        // Mostly new versions of existing records, so the state grows slowly while it is measured.
        const id = this.next() % 4 === 0 ? toHex(rand(9, this.fresh, this.next())) : s.recordIds[this.next() % s.recordIds.length]!;
        const rec = recordEntry(s.address, id, provider, 0x8000_0000 + (this.fresh++ % 0x7fff_ffff));
        ops.push({ kind: "bump", key: nonceKey(provider) }, { kind: "put", key: rec.key, next: { value: rec.value, preimage: rec.preimage } });
      } else if (r < 70) {
        const s = patientShape(i, this.providers);
        ops.push({ kind: "bump", key: nonceKey(provider) }, { kind: "chain", key: accessLogKey(s.address), entry: rand(10, this.next()) });
      } else if (r < 90) {
        const s = patientShape(i, this.providers);
        const c = consentWord({ access: 1 + (this.next() % 3), categories: 1 + (this.next() % 0xffff), expiry: 2_000_000_000 + (this.next() % 1000) });
        ops.push({ kind: "bump", key: nonceKey(s.address) }, { kind: "put", key: consentKey(s.address, provider), next: { value: c } });
      } else {
        const s = patientShape(i, this.providers);
        const grantee = s.grantees[this.next() % s.grantees.length]!;
        ops.push({ kind: "bump", key: nonceKey(s.address) }, { kind: "put", key: consentKey(s.address, grantee), next: { value: ZERO } });
      }
    }
    return ops;
  }
}

/** Apply ops through the StateAccess methods the transition function uses; returns the entry count change. */
export function applyOps(state: StoredTreeState, ops: readonly StateOp[]): number {
  let delta = 0;
  for (const op of ops) {
    if (op.kind === "bump") {
      state.update(op.key, bump);
    } else if (op.kind === "chain") {
      state.update(op.key, (old) => ({ value: keccak256(concatBytes(old.value, op.entry)) }));
    } else {
      const existed = state.leaf(op.key) !== null;
      const deletes = op.next.value.every((b) => b === 0);
      state.write(op.key, op.next);
      delta += deletes ? (existed ? -1 : 0) : existed ? 0 : 1;
    }
  }
  return delta;
}

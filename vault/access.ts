/**
 * The vault's authorisation decisions, taken from the ledger through the SDK's light client: a value
 * counts only when decoded from a Merkle proof against the root of the newest batch the trusted Rollup
 * holds on L1 (posted). A revocation the sequencer has executed but not yet posted also denies (denying
 * on the sequencer's word is safe). Coverage is the protocol's own rule (consentCovers).
 */
import type { Address, Hex } from "viem";
import type { EphrClient } from "../sdk/client.js";
import { isEphrError, VerificationError } from "../sdk/errors.js";
import { ACCESS_READ, ACCESS_WRITE, BREAK_GLASS_DURATION } from "../sequencer/protocol/constants.js";
import { type ConsentValue, consentCovers } from "../sequencer/protocol/keys.js";
import { VaultError } from "./errors.js";

export interface AnchoredRecord {
  provider: Address;
  ciphertextHash: Hex;
  locationHash: Hex;
  category: number;
  version: number;
  root: Hex;
  batch: number | null;
}

async function ledger<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof VerificationError)
      throw new VaultError("VAULT_LEDGER_UNAVAILABLE", `${what}: the ledger's answer did not verify against L1: ${(e as Error).message}`);
    if (isEphrError(e, "RootUnavailableError")) throw new VaultError("VAULT_LEDGER_UNAVAILABLE", `${what}: no batch is posted on L1 yet`);
    throw new VaultError("VAULT_LEDGER_UNAVAILABLE", `${what}: cannot read the ledger (${(e as Error).message})`);
  }
}

/** Seconds batch times may run ahead of the vault's clock, for the break-glass pre-check only. */
const CLOCK_SLACK = 600;

export class AccessControl {
  constructor(private readonly client: EphrClient) {}

  /** The record pointer as anchored in the latest posted state. */
  async anchored(patient: Address, recordId: Hex): Promise<AnchoredRecord> {
    const r = await ledger("record", () => this.client.getRecord(patient, recordId, "posted"));
    if (!r.exists || r.value === null)
      throw new VaultError("VAULT_NOT_ANCHORED", `record ${recordId} of ${patient} is not anchored in any batch posted on L1 (yet)`);
    return { ...r.value, root: r.root, batch: r.committed?.batch ?? null };
  }

  /** `reader` may read `patient`'s records of `category` now: proven on L1 and not revoked since. */
  async mayRead(reader: Address, patient: Address, category: number): Promise<{ root: Hex; batch: number | null; consent: ConsentValue | null }> {
    const now = Math.floor(Date.now() / 1000);
    const posted = await ledger("consent", () => this.client.getConsent(patient, reader, "posted"));
    if (!consentCovers(posted.value, ACCESS_READ, category, now)) {
      throw new VaultError(
        "VAULT_NO_CONSENT",
        `${reader} holds no live READ grant from ${patient} covering category ${category} in the state posted on L1 (root ${posted.root})`,
      );
    }
    const soft = await ledger("consent", () => this.client.getConsent(patient, reader, "soft"));
    if (!consentCovers(soft.value, ACCESS_READ, category, now)) {
      throw new VaultError("VAULT_REVOKED", `${patient} has revoked or narrowed ${reader}'s grant (executed by the sequencer, not yet posted)`);
    }
    return { root: posted.root, batch: posted.committed?.batch ?? null, consent: posted.value };
  }

  /**
   * The BreakGlass transaction behind `reader`'s proven grant from `patient`, or null: a grant is
   * break-glass when it is READ only and the reader's BreakGlass for the patient executed at exactly
   * `expiry - BREAK_GLASS_DURATION` (the batch time its grant was written at). Only a READ grant
   * expiring within BREAK_GLASS_DURATION of now can be one (give or take CLOCK_SLACK: batch times
   * follow L1 block times, which may run ahead of this clock), so other reads cost no history lookup.
   */
  async breakGlassOf(reader: Address, patient: Address, consent: ConsentValue | null, now = Math.floor(Date.now() / 1000)): Promise<Hex | null> {
    if (consent === null || consent.access !== ACCESS_READ || consent.expiry > now + BREAK_GLASS_DURATION + CLOCK_SLACK) return null;
    const opened = consent.expiry - BREAK_GLASS_DURATION;
    const entries = await ledger("history", () => this.client.historyAll(patient, { types: ["BreakGlass"] }));
    const hit = entries.findLast((e) => e.status !== "dropped" && e.signer?.toLowerCase() === reader.toLowerCase() && e.timestamp === opened);
    return hit?.hash ?? null;
  }

  /**
   * `provider` may store `patient`'s records of `category`: it holds a live WRITE grant. Not the patient
   * itself: AnchorRecord needs a WRITE grant of the patient to the signer and a grant to oneself is
   * invalid, so the ledger could never anchor (and the vault never serve) such a record.
   */
  async mayWrite(provider: Address, patient: Address, category: number): Promise<void> {
    if (provider === patient) {
      throw new VaultError(
        "VAULT_NO_CONSENT",
        `${patient} cannot store a record as its own provider: the ledger lets only the holder of a WRITE grant anchor a record, so it could never be anchored nor served`,
      );
    }
    const now = Math.floor(Date.now() / 1000);
    const soft = await ledger("consent", () => this.client.getConsent(patient, provider, "soft"));
    if (!consentCovers(soft.value, ACCESS_WRITE, category, now))
      throw new VaultError("VAULT_NO_CONSENT", `${provider} holds no live WRITE grant from ${patient} covering category ${category}`);
  }

  /** A key wrap may be stored for the patient or for a holder of a live READ grant covering the category. */
  async mayReceiveWrap(recipient: Address, patient: Address, category: number): Promise<void> {
    if (recipient === patient) return;
    const now = Math.floor(Date.now() / 1000);
    const soft = await ledger("consent", () => this.client.getConsent(patient, recipient, "soft"));
    if (!consentCovers(soft.value, ACCESS_READ, category, now))
      throw new VaultError("VAULT_NO_CONSENT", `no key wrap for ${recipient}: it holds no live READ grant from ${patient} covering category ${category}`);
  }
}

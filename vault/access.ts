/**
 * The vault's authorisation decisions, taken from the ledger through the SDK's light client: a value
 * counts only when decoded from a Merkle proof against the root of the newest batch the trusted Rollup
 * holds on L1 (posted). A revocation the sequencer has executed but not yet posted also denies (denying
 * on the sequencer's word is safe). Coverage is the protocol's own rule (consentCovers).
 */
import type { Address, Hex } from "viem";
import type { EphrClient, Verified } from "../sdk/client.js";
import type { TrustLevel } from "../sdk/verify.js";
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

export interface AccessOptions {
  /**
   * How long a refusal seen in the posted state waits for it to catch up while the sequencer's
   * executed state allows (ms): a front-end may send posted reads to a read replica a moment behind
   * the sequencer, which has already told the writer "posted". Default 5000.
   */
  catchUpMs?: number;
  /** Between two posted reads while catching up (ms). Default 250. */
  pollMs?: number;
}

export class AccessControl {
  private readonly catchUpMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly client: EphrClient,
    opts: AccessOptions = {},
  ) {
    this.catchUpMs = opts.catchUpMs ?? 5_000;
    this.pollMs = opts.pollMs ?? 250;
  }

  /**
   * A posted read whose answer refuses (`allows` false) stands only when the executed state refuses
   * too: while the executed state allows, the posted state is behind what its writer was told (a
   * replica behind the sequencer, or a batch between L1 and its confirmations), and is asked again
   * every pollMs for catchUpMs at most. Returns the last posted answer and whether the executed state
   * allowed what it refused.
   */
  private async postedRead<T>(
    what: string,
    read: (trust: TrustLevel) => Promise<Verified<T>>,
    allows: (v: Verified<T>) => boolean,
  ): Promise<{ posted: Verified<T>; pending: boolean }> {
    let posted = await ledger(what, () => read("posted"));
    if (allows(posted)) return { posted, pending: false };
    const soft = await ledger(what, () => read("soft"));
    if (!allows(soft)) return { posted, pending: false };
    const until = Date.now() + this.catchUpMs;
    while (Date.now() < until) {
      await new Promise((r) => setTimeout(r, this.pollMs));
      posted = await ledger(what, () => read("posted"));
      if (allows(posted)) return { posted, pending: false };
    }
    return { posted, pending: true };
  }

  /**
   * The record pointer as anchored in the latest posted state; with `version` (not 0), that version
   * must be the anchored one (VAULT_NOT_CURRENT otherwise).
   */
  async anchored(patient: Address, recordId: Hex, version = 0): Promise<AnchoredRecord> {
    const { posted: r, pending } = await this.postedRead(
      "record",
      (trust) => this.client.getRecord(patient, recordId, trust),
      (v) => v.value !== null && (version === 0 || v.value.version === version),
    );
    if (!r.exists || r.value === null) {
      const why = pending ? ": the sequencer has executed its anchor, not yet posted; ask again shortly" : " (yet)";
      throw new VaultError("VAULT_NOT_ANCHORED", `record ${recordId} of ${patient} is not anchored in any batch posted on L1${why}`);
    }
    if (version !== 0 && version !== r.value.version)
      throw new VaultError("VAULT_NOT_CURRENT", `the ledger's current version is ${r.value.version}; only it is served`);
    return { ...r.value, root: r.root, batch: r.committed?.batch ?? null };
  }

  /** `reader` may read `patient`'s records of `category` now: proven on L1 and not revoked since. */
  async mayRead(reader: Address, patient: Address, category: number): Promise<{ root: Hex; batch: number | null; consent: ConsentValue | null }> {
    const now = Math.floor(Date.now() / 1000);
    const { posted, pending } = await this.postedRead(
      "consent",
      (trust) => this.client.getConsent(patient, reader, trust),
      (v) => consentCovers(v.value, ACCESS_READ, category, now),
    );
    if (!consentCovers(posted.value, ACCESS_READ, category, now)) {
      if (pending)
        throw new VaultError(
          "VAULT_NO_CONSENT",
          `${reader}'s READ grant from ${patient} covering category ${category} is executed by the sequencer, not yet in the state posted on L1 (root ${posted.root}); ask again shortly`,
        );
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

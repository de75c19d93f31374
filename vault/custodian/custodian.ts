/**
 * The key custodian's one decision (docs/vault.md, "Key custodian"): give a reader the key of a record's
 * current version when the ledger admits the reader and its patient has entrusted that category to the
 * custodian, so that a break-glass grant (or, if the network chooses, any grant) opens a record that was
 * never wrapped for the reader, while the patient and the provider are out of reach.
 *
 * The custodian is an account like any grantee: the patient entrusts it with a READ grant of the
 * categories it may deliver (visible in their history, revocable like any grant), and it holds a key
 * wrap of those records as any reader does. Asked by a reader, it checks on the ledger (proofs against
 * the Rollup's newest posted root, a revocation the sequencer executed also denying) that
 *   1. the reader holds a live READ grant covering the record's category, and, in scope "break-glass",
 *      that the grant is one a BreakGlass opened (the vault's own rule, AccessControl.breakGlassOf);
 *   2. the patient entrusts the category to the custodian (its own live READ grant);
 * then reads the version from the vault (a read on the ledger under the custodian's name), unwraps the
 * data key, wraps it to the reader's encryption key proven on L1, stores that wrap (AddWraps, which the
 * vault accepts from the custodians it lists) and wipes the data key. It never keeps a data key, never
 * serves a ciphertext and never replaces a wrap the reader already holds.
 */
import type { Address, Hex } from "viem";
import type { TypedDataSigner } from "../../sdk/client.js";
import { TimeoutError } from "../../sdk/errors.js";
import { AnchorMismatchError, NoEncryptionKeyError, shareRecord } from "../../sdk/records.js";
import { type VaultClient, VaultRequestError } from "../../sdk/vault.js";
import { EnvelopeError } from "../../sequencer/crypto/index.js";
import type { AccessControl } from "../access.js";
import { VaultError } from "../errors.js";

/** Which grants the custodian serves: break-glass grants only (the default), or any live READ grant. */
export const CUSTODIAN_SCOPES = ["break-glass", "any-grant"] as const;
export type CustodianScope = (typeof CUSTODIAN_SCOPES)[number];

/** How long a reader's encryption key, registered but not yet posted, is waited for (ms). */
const KEY_WAIT_MS = 10_000;

export interface CustodianDeps {
  /** the custodian's account: it signs its vault requests, and patients grant it READ */
  signer: TypedDataSigner;
  /** its X25519 private key (the one registered on the ledger for its account) */
  encryptionKey: Uint8Array;
  access: AccessControl;
  vault: VaultClient;
  scope: CustodianScope;
}

export interface KeyWrapRequest {
  reader: Address;
  patient: Address;
  recordId: Hex;
}

export interface KeyWrapDelivered {
  /** the version whose key the reader now holds */
  version: number;
  /** false when the reader already held a wrap of that version (it is never replaced) */
  added: boolean;
  /** the BreakGlass transaction behind the reader's grant, when it is one */
  breakGlass: Hex | null;
  /** the LogAccess of the custodian's own read of the version */
  custodianRead: Hex;
}

/** Deliveries remembered (reader, patient, record, version), so that asking again costs no read. */
const MAX_REMEMBERED = 100_000;

export class KeyCustodian {
  readonly address: Address;
  /**
   * The deliveries made while this process runs, oldest first: a reader asking again for a version it
   * was given is answered from here once the ledger checks pass, without another read of the record
   * (each read is a LogAccess in the patient's history, so repeated asks could otherwise fill it).
   */
  private readonly delivered = new Map<string, Hex>();

  constructor(private readonly d: CustodianDeps) {
    this.address = d.signer.address.toLowerCase() as Address;
  }

  async deliver(m: KeyWrapRequest): Promise<KeyWrapDelivered> {
    const reader = m.reader.toLowerCase() as Address;
    const patient = m.patient.toLowerCase() as Address;
    if (reader === patient) throw new VaultError("VAULT_BAD_REQUEST", "a patient holds the key wrap of every record of theirs: read it from the vault");
    if (reader === this.address) throw new VaultError("VAULT_BAD_REQUEST", "the custodian does not deliver keys to itself");
    const anchored = await this.d.access.anchored(patient, m.recordId);
    const grant = await this.d.access.mayRead(reader, patient, anchored.category);
    const breakGlass = await this.d.access.breakGlassOf(reader, patient, grant.consent);
    if (this.d.scope === "break-glass" && breakGlass === null)
      throw new VaultError(
        "VAULT_NOT_EMERGENCY",
        `${reader}'s READ grant from ${patient} was not opened by a BreakGlass: this custodian delivers keys for break-glass access only (ask the patient or the record's provider for a key wrap)`,
      );
    try {
      await this.d.access.mayRead(this.address, patient, anchored.category);
    } catch (e) {
      if (e instanceof VaultError && (e.code === "VAULT_NO_CONSENT" || e.code === "VAULT_REVOKED"))
        throw new VaultError(
          "VAULT_NOT_ENTRUSTED",
          `${patient} has not entrusted category ${anchored.category} to this key custodian (${this.address} holds no live READ grant covering it)`,
        );
      throw e;
    }
    const given = this.delivered.get(deliveryKey(reader, patient, m.recordId, anchored.version));
    if (given !== undefined) return { version: anchored.version, added: false, breakGlass, custodianRead: given };
    let shared: Awaited<ReturnType<typeof shareRecord>>;
    try {
      shared = await shareRecord(
        this.d.vault,
        this.d.signer,
        this.d.encryptionKey,
        { patient, recordId: m.recordId, recipients: [reader] },
        { keyWaitMs: KEY_WAIT_MS },
      );
    } catch (e) {
      throw this.upstream(e, m.recordId, patient, reader);
    }
    this.remember(deliveryKey(reader, patient, m.recordId, shared.version), shared.logAccess);
    return { version: shared.version, added: shared.added.length > 0, breakGlass, custodianRead: shared.logAccess };
  }

  private remember(key: string, custodianRead: Hex): void {
    this.delivered.delete(key);
    this.delivered.set(key, custodianRead);
    if (this.delivered.size > MAX_REMEMBERED) this.delivered.delete(this.delivered.keys().next().value!);
  }

  /** A failure of the read, unwrap or AddWraps behind a delivery, as the custodian answers it. */
  private upstream(e: unknown, recordId: Hex, patient: Address, reader: Address): unknown {
    if (e instanceof NoEncryptionKeyError)
      return new VaultError(
        "VAULT_NO_ENCRYPTION_KEY",
        `${reader} has no encryption key registered on the ledger (RegisterEncryptionKey): no wrap can be made for it`,
      );
    if (e instanceof TimeoutError)
      return new VaultError("VAULT_NO_ENCRYPTION_KEY", `${reader}'s newest encryption key is not posted on L1 yet: ask again once it is (${e.message})`);
    if (e instanceof VaultRequestError && e.vaultCode === "VAULT_NOT_FOUND" && /no key wrap/.test(e.message))
      return new VaultError(
        "VAULT_NOT_ENTRUSTED",
        `the vault holds no key wrap of the current version of record ${recordId} for this custodian: ${patient} (or the record's provider) has to share it with the custodian first`,
      );
    if (e instanceof VaultRequestError) return new VaultError("VAULT_UPSTREAM", `the vault refused the custodian: ${e.vaultCode}: ${e.message}`);
    if (e instanceof AnchorMismatchError)
      return new VaultError("VAULT_UPSTREAM", `the vault served the custodian other bytes than the ledger anchors: ${e.message}`);
    if (e instanceof EnvelopeError)
      return new VaultError(
        "VAULT_UPSTREAM",
        `the custodian cannot open its key wrap of record ${recordId} (${e.code}): it was made to another key than the custodian's`,
      );
    if (e instanceof VaultError) return e;
    return new VaultError("VAULT_LEDGER_UNAVAILABLE", `cannot deliver the key: ${(e as Error).message}`);
  }
}

const deliveryKey = (reader: Address, patient: Address, recordId: Hex, version: number) => `${reader}:${patient}:${recordId.toLowerCase()}:${version}`;

/**
 * The state-transition function: the one TypeScript statement of the protocol's validity rules
 * (docs/protocol.md, "Validity rules"). Pure: it reads and writes state only through StateAccess, in a
 * fixed order that the Solidity twin (contracts/libraries/Transition.sol) follows access for access.
 *
 * Check order (the first failing check names the rejection):
 *   1. fields     InvalidField   static field ranges
 *   2. time       Expired        expiries against the batch timestamp
 *   3. signature  BadSignature   the signer is recovered from the EIP-712 digest; unrecoverable = bad
 *   4. identity   InvalidField   a transaction naming its own signer as counterparty
 *   5. nonce      BadNonce       access: update nonce(signer)
 *   6. authority  Unauthorized   delegated types: access read delegate(patient, signer);
 *                                RegisterVault, RegisterIssuer: the signer is the registrar (no access);
 *                                LogAccess: access read vault(signer);
 *                                IssueCredential: access read issuer(signer);
 *                                SetPolicy, RemovePolicy signed by another than the patient:
 *                                access read delegate(patient, signer)
 *   7. type rules NoConsent, BadVersion, CategoryMismatch, NoPolicy, NoCredential; then the write
 * Governance types (10-15) are specified in docs/protocol.md section 13; their step-7 rules live in
 * governance.ts.
 */
import type { Address } from "viem";
import { fromHex, isZeroWord, type Word, ZERO_WORD } from "../protocol/bytes.js";
import { ACCESS_WRITE, CATEGORY_COUNT, MAX_POLICY_DURATION, type RejectReason } from "../protocol/constants.js";
import {
  accessEntryHash,
  accessLogKey,
  consentCovers,
  consentKey,
  consentOf,
  consentWord,
  delegateExpiryOf,
  delegateKey,
  delegateWord,
  encryptionKeyKey,
  expiryOf,
  issuerKey,
  nextAccessLogHead,
  nonceKey,
  nonceOf,
  nonceWord,
  recordKey,
  vaultExpiryOf,
  vaultKey,
  vaultWord,
  recordOfPreimage,
  recordPreimage,
  recordWord,
} from "../protocol/keys.js";
import { recoverSigner } from "../protocol/sign.js";
import { isDelegated, type SignedTx, type Tx } from "../protocol/types.js";
import type { LeafValue, StateAccess } from "./access.js";
import { applyGovernance, isGovernance } from "./governance.js";

/**
 * What execution takes from the deployment, fixed for a Rollup: its EIP-712 domain (chain id and
 * address) and its immutable registrar (`Rollup.registrar()`), the one signer of RegisterVault.
 */
export interface ChainRules {
  /** EIP-712 domain separator of the deployment (chain id + Rollup address) */
  domainSeparator: Word;
  /** the network's registrar, lower-case */
  registrar: Address;
}

export interface ExecutionContext extends ChainRules {
  /** the batch timestamp (unix seconds) */
  timestamp: number;
  /**
   * The signer, already recovered elsewhere (the sequencer's API front-ends recover it): then neither
   * the digest nor the recovery is computed here. Null means the signature is invalid.
   */
  signerOf?: (stx: SignedTx) => Address | null;
}

/** The verdict on one transaction. `signer` is known once the signature check has passed. */
export type TxOutcome = { ok: true; signer: Address } | { ok: false; reason: RejectReason; signer: Address | null };

import { lower, Rejected, reject } from "./reject.js";

function checkFields(tx: Tx): void {
  switch (tx.type) {
    case "GrantConsent":
    case "DelegatedGrantConsent":
      if (tx.access < 1 || tx.access > 3 || tx.categories === 0) reject("InvalidField");
      return;
    case "AnchorRecord":
      if (tx.category >= CATEGORY_COUNT || tx.version < 1 || isZeroWord(fromHex(tx.recordId, 32))) reject("InvalidField");
      return;
    case "LogAccess":
      if (tx.version < 1 || isZeroWord(fromHex(tx.recordId, 32))) reject("InvalidField");
      return;
    case "IssueCredential":
      if (tx.role === 0) reject("InvalidField");
      return;
    case "SetPolicy":
      if (tx.role === 0 || tx.access < 1 || tx.access > 3 || tx.categories === 0 || tx.duration < 1 || tx.duration > MAX_POLICY_DURATION)
        reject("InvalidField");
      return;
    case "BreakGlass":
      if (tx.categories === 0) reject("InvalidField");
      return;
    default:
      return;
  }
}

function checkTime(tx: Tx, now: number): void {
  if ((tx.type === "GrantConsent" || tx.type === "DelegatedGrantConsent") && tx.expiry <= now) reject("Expired");
  const zeroRemoves = tx.type === "SetDelegate" || tx.type === "RegisterVault" || tx.type === "RegisterIssuer" || tx.type === "IssueCredential";
  if (zeroRemoves && tx.expiry !== 0 && tx.expiry <= now) reject("Expired");
}

/** A transaction whose counterparty is its own signer (or patient) is malformed. */
function checkIdentity(tx: Tx, signer: Address): void {
  switch (tx.type) {
    case "GrantConsent":
    case "RevokeConsent":
      if (lower(tx.grantee) === signer) reject("InvalidField");
      return;
    case "DelegatedGrantConsent":
    case "DelegatedRevokeConsent":
      if (lower(tx.patient) === signer || lower(tx.grantee) === lower(tx.patient)) reject("InvalidField");
      return;
    case "SetDelegate":
      if (lower(tx.delegate) === signer) reject("InvalidField");
      return;
    case "IssueCredential":
      if (lower(tx.subject) === signer) reject("InvalidField");
      return;
    case "RequestAccess":
    case "BreakGlass":
      if (lower(tx.patient) === signer) reject("InvalidField");
      return;
    default:
      return;
  }
}

/** Apply one transaction; on rejection the caller must discard every write it made. */
export function applyTx(state: StateAccess, stx: SignedTx, ctx: ExecutionContext): TxOutcome {
  let signer: Address | null = null;
  try {
    checkFields(stx.tx);
    checkTime(stx.tx, ctx.timestamp);
    const recovered = ctx.signerOf ? ctx.signerOf(stx) : recoverSigner(ctx.domainSeparator, stx);
    if (recovered === null) reject("BadSignature");
    signer = lower(recovered);
    execute(state, stx.tx, signer, ctx);
    return { ok: true, signer };
  } catch (e) {
    if (e instanceof Rejected) return { ok: false, reason: e.reason, signer };
    throw e; // InvalidProofError and programming errors are not verdicts on the transaction
  }
}

function execute(state: StateAccess, tx: Tx, signer: Address, ctx: ExecutionContext): void {
  const now = ctx.timestamp;
  checkIdentity(tx, signer);

  state.update(nonceKey(signer), (old) => {
    if (nonceOf(old.value) !== tx.nonce) reject("BadNonce");
    return { value: nonceWord(tx.nonce + 1) };
  });

  checkAuthority(state, tx, signer, ctx);

  if (isGovernance(tx)) {
    applyGovernance(state, tx, signer, now);
    return;
  }
  switch (tx.type) {
    case "GrantConsent":
    case "DelegatedGrantConsent": {
      const patient = tx.type === "GrantConsent" ? signer : lower(tx.patient);
      const value = consentWord({ access: tx.access, categories: tx.categories, expiry: tx.expiry });
      state.write(consentKey(patient, lower(tx.grantee)), { value });
      return;
    }
    case "RevokeConsent":
    case "DelegatedRevokeConsent": {
      const patient = tx.type === "RevokeConsent" ? signer : lower(tx.patient);
      state.write(consentKey(patient, lower(tx.grantee)), { value: ZERO_WORD });
      return;
    }
    case "SetDelegate":
      state.write(delegateKey(signer, lower(tx.delegate)), { value: delegateWord(tx.expiry) });
      return;
    case "RegisterEncryptionKey":
      state.write(encryptionKeyKey(signer), { value: fromHex(tx.publicKey, 32) });
      return;
    case "RegisterVault":
      state.write(vaultKey(lower(tx.vault)), { value: vaultWord(tx.expiry) });
      return;
    case "LogAccess": {
      const entry = accessEntryHash({
        vault: signer,
        reader: lower(tx.reader),
        recordId: tx.recordId,
        version: tx.version,
        requestHash: tx.requestHash,
        timestamp: now,
      });
      state.update(accessLogKey(lower(tx.patient)), (old) => ({ value: nextAccessLogHead(old.value, entry) }));
      return;
    }
    case "AnchorRecord":
      anchorRecord(state, tx, signer, now);
      return;
  }
}

/**
 * Who may sign (step 6): a delegated consent type a live delegate of the patient; RegisterVault and
 * RegisterIssuer the registrar alone (decided without state: no access); LogAccess a vault whose
 * registration is live at the batch time, so a patient's access log holds only what the network's
 * vaults assert they served; IssueCredential a live issuer; SetPolicy / RemovePolicy the patient (no
 * access) or a live delegate of the patient.
 */
function checkAuthority(state: StateAccess, tx: Tx, signer: Address, ctx: ExecutionContext): void {
  if (isDelegated(tx.type)) {
    const patient = lower((tx as { patient: Address }).patient);
    if (delegateExpiryOf(state.read(delegateKey(patient, signer)).value) <= ctx.timestamp) reject("Unauthorized");
  } else if (tx.type === "RegisterVault" || tx.type === "RegisterIssuer") {
    if (signer !== lower(ctx.registrar)) reject("Unauthorized");
  } else if (tx.type === "LogAccess") {
    if (vaultExpiryOf(state.read(vaultKey(signer)).value) <= ctx.timestamp) reject("Unauthorized");
  } else if (tx.type === "IssueCredential") {
    if (expiryOf(state.read(issuerKey(signer)).value) <= ctx.timestamp) reject("Unauthorized");
  } else if (tx.type === "SetPolicy" || tx.type === "RemovePolicy") {
    const patient = lower(tx.patient);
    if (patient !== signer && delegateExpiryOf(state.read(delegateKey(patient, signer)).value) <= ctx.timestamp) reject("Unauthorized");
  }
}

function anchorRecord(state: StateAccess, tx: Extract<Tx, { type: "AnchorRecord" }>, signer: Address, now: number): void {
  const patient = lower(tx.patient);
  const c = consentOf(state.read(consentKey(patient, signer)).value);
  if (!consentCovers(c, ACCESS_WRITE, tx.category, now)) reject("NoConsent");
  state.update(
    recordKey(patient, tx.recordId),
    (old) => {
      const prev = existingRecord(old);
      if (prev !== null) {
        if (tx.version <= prev.version) reject("BadVersion");
        if (tx.category !== prev.category) reject("CategoryMismatch");
      }
      const preimage = recordPreimage({
        provider: signer,
        ciphertextHash: tx.ciphertextHash,
        locationHash: tx.locationHash,
        category: tx.category,
        version: tx.version,
      });
      return { value: recordWord(preimage), preimage };
    },
    "hashed",
  );
}

/** The stored record, decoded from the preimage the access carried (StateAccess checked it hashes to the value). */
function existingRecord(old: LeafValue) {
  if (isZeroWord(old.value)) return null;
  if (old.preimage === undefined) throw new Error("a record value without its preimage reached the transition");
  return recordOfPreimage(old.preimage);
}

/**
 * The state-transition function: the one TypeScript statement of the protocol's validity rules
 * (docs/protocol.md, "Validity rules"). Pure: it reads and writes state only through StateAccess, in a
 * fixed order that the Solidity twin (contracts/libraries/Transition.sol) follows access for access.
 *
 * Check order (the first failing check names the rejection):
 *   1. fields        InvalidField
 *   2. time          Expired        (against the batch timestamp)
 *   3. signature     BadSignature   (EIP-712 digest, expected signer)
 *   4. nonce         BadNonce       access: update nonce(signer)
 *   5. authority     Unauthorized   access: read delegate(patient, signer), delegate-signed only
 *   6. type rules    NoConsent, BadVersion, CategoryMismatch; then the write(s)
 */
import type { Address } from "viem";
import { fromHex, isZeroWord, type Word, ZERO_WORD } from "../protocol/bytes.js";
import { ACCESS_WRITE, CATEGORY_COUNT, type RejectReason } from "../protocol/constants.js";
import { signingDigest } from "../protocol/eip712.js";
import {
  consentKey,
  consentOf,
  consentWord,
  delegateExpiryOf,
  delegateKey,
  delegateWord,
  nonceKey,
  nonceOf,
  nonceWord,
  recordKey,
  recordOfPreimage,
  recordPreimage,
  recordWord,
} from "../protocol/keys.js";
import { recoverCompact } from "../protocol/signature.js";
import type { SignedTx, Tx } from "../protocol/types.js";
import type { LeafValue, StateAccess } from "./access.js";
import { InvalidProofError } from "./proof.js";

export interface ExecutionContext {
  /** EIP-712 domain separator of the deployment (chain id + Rollup address) */
  domainSeparator: Word;
  /** the batch timestamp (unix seconds) */
  timestamp: number;
  /** signature recovery; the sequencer injects a cache filled by its verification workers */
  recover?: (digest: Word, signature: Uint8Array) => Address | null;
}

export type TxOutcome = { ok: true } | { ok: false; reason: RejectReason };

class Rejected extends Error {
  constructor(readonly reason: RejectReason) {
    super(reason);
  }
}
function reject(reason: RejectReason): never {
  throw new Rejected(reason);
}

const lower = (a: Address) => a.toLowerCase() as Address;

function checkFields(stx: SignedTx): void {
  const tx = stx.tx;
  const signer = lower(stx.signer);
  const patient = lower(tx.patient);
  switch (tx.type) {
    case "GrantConsent":
      if (tx.access < 1 || tx.access > 3 || tx.categories === 0) reject("InvalidField");
      if (patient === lower(tx.grantee)) reject("InvalidField");
      return;
    case "RevokeConsent":
      if (patient === lower(tx.grantee)) reject("InvalidField");
      return;
    case "AnchorRecord":
      if (tx.category >= CATEGORY_COUNT || tx.version < 1 || isZeroWord(fromHex(tx.recordId, 32))) {
        reject("InvalidField");
      }
      return;
    case "SetDelegate":
      if (patient === lower(tx.delegate)) reject("InvalidField");
      if (signer !== patient) reject("Unauthorized");
      return;
  }
}

function checkTime(tx: Tx, now: number): void {
  if (tx.type === "GrantConsent" && tx.expiry <= now) reject("Expired");
  if (tx.type === "SetDelegate" && tx.expiry !== 0 && tx.expiry <= now) reject("Expired");
}

/** Apply one transaction; on rejection the caller must discard every write it made. */
export function applyTx(state: StateAccess, stx: SignedTx, ctx: ExecutionContext): TxOutcome {
  try {
    execute(state, stx, ctx);
    return { ok: true };
  } catch (e) {
    if (e instanceof Rejected) return { ok: false, reason: e.reason };
    throw e; // InvalidProofError and programming errors are not verdicts on the transaction
  }
}

function execute(state: StateAccess, stx: SignedTx, ctx: ExecutionContext): void {
  const tx = stx.tx;
  const signer = lower(stx.signer);
  const patient = lower(tx.patient);
  checkFields(stx);
  checkTime(tx, ctx.timestamp);

  const recover = ctx.recover ?? recoverCompact;
  const recovered = recover(signingDigest(ctx.domainSeparator, tx), fromHex(stx.signature));
  if (recovered === null || lower(recovered) !== signer) reject("BadSignature");

  state.update(nonceKey(signer), (old) => {
    if (nonceOf(old.value) !== tx.nonce) reject("BadNonce");
    return { value: nonceWord(tx.nonce + 1) };
  });

  const delegated = (tx.type === "GrantConsent" || tx.type === "RevokeConsent") && signer !== patient;
  if (delegated) {
    const d = state.read(delegateKey(patient, signer));
    if (delegateExpiryOf(d.value) <= ctx.timestamp) reject("Unauthorized");
  }

  switch (tx.type) {
    case "GrantConsent":
      state.update(consentKey(patient, lower(tx.grantee)), () => ({
        value: consentWord({ access: tx.access, categories: tx.categories, expiry: tx.expiry }),
      }));
      return;
    case "RevokeConsent":
      state.update(consentKey(patient, lower(tx.grantee)), () => ({ value: ZERO_WORD }));
      return;
    case "SetDelegate":
      state.update(delegateKey(patient, lower(tx.delegate)), () => ({ value: delegateWord(tx.expiry) }));
      return;
    case "AnchorRecord": {
      const c = consentOf(state.read(consentKey(patient, signer)).value);
      const covers =
        c !== null && c.expiry > ctx.timestamp && (c.access & ACCESS_WRITE) !== 0 && ((c.categories >>> tx.category) & 1) === 1;
      if (!covers) reject("NoConsent");
      state.update(recordKey(patient, tx.recordId), (old) => {
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
      });
      return;
    }
  }
}

function existingRecord(old: LeafValue) {
  if (isZeroWord(old.value)) return null;
  if (old.preimage === undefined) throw new InvalidProofError("record value without its preimage");
  return recordOfPreimage(old.preimage);
}

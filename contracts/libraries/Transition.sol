// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {ProtocolConstants as C} from "./ProtocolConstants.sol";
import {DecodedTx, Witness} from "./RollupTypes.sol";
import {StateKeys} from "./StateKeys.sol";
import {StateTree} from "./StateTree.sol";
import {TxDigest} from "./TxDigest.sol";

/// @title Transition
/// @notice The state-transition function over witnesses: the Solidity statement of the validity rules
/// (twin of sequencer/state/transition.ts; docs/protocol.md "Validity rules"). Each state access consumes
/// the next witness, in the same order as the TypeScript function.
/// Check order: fields, time, signature (the signer is recovered), identity, nonce, authority, type
/// rules; the first failing check names the rejection.
library Transition {
    /// @notice The witness list ran out at `index`.
    error WitnessMissing(uint256 index);
    /// @notice Witness `index` carries a value preimage where its access has none, or lacks the one an
    /// existing record needs, or carries one that does not hash to the value.
    error PreimageMismatch(uint256 index);
    /// @notice `given` witnesses were presented for a leaf whose execution makes `used` accesses.
    error UnusedWitnesses(uint256 used, uint256 given);

    struct Env {
        bytes32 separator;
        address registrar; // the Rollup's registrar: the one signer of RegisterVault
        uint64 timestamp;
        bytes32 root;
        uint256 next; // index of the next unused witness
    }

    /// @notice Apply one decoded transaction; returns 0 if valid (and advances env.root), else a REJECT_* code.
    /// @param env the execution environment: domain, registrar, batch timestamp, running root and next witness
    /// @param t the decoded transaction
    /// @param ws the witnesses of the chunk's state accesses, consumed in order from env.next
    function applyTx(Env memory env, DecodedTx memory t, Witness[] calldata ws) internal pure returns (uint8) {
        uint8 reason = checkFields(t);
        if (reason != C.OK) return reason;
        reason = checkTime(t, env.timestamp);
        if (reason != C.OK) return reason;
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(TxDigest.digest(env.separator, t), t.r, t.vs);
        if (err != ECDSA.RecoverError.NoError) return C.REJECT_BAD_SIGNATURE;
        reason = checkIdentity(t, signer);
        if (reason != C.OK) return reason;
        reason = bumpNonce(env, t, signer, ws);
        if (reason != C.OK) return reason;
        reason = checkAuthority(env, t, signer, ws);
        if (reason != C.OK) return reason;
        return applyEffect(env, t, signer, ws);
    }

    function bumpNonce(Env memory env, DecodedTx memory t, address signer, Witness[] calldata ws)
        private
        pure
        returns (uint8)
    {
        bytes32 key = StateKeys.nonceKey(signer);
        (Witness calldata w, bool exists, bytes32 value) = take(env, ws, key, false, false);
        if (uint256(value) != t.nonce) return C.REJECT_BAD_NONCE;
        env.root = StateTree.rootAfterWrite(key, w, exists, bytes32(uint256(t.nonce) + 1));
        return C.OK;
    }

    /// @dev Who may sign: a delegated consent type a live delegate of the patient (one access), RegisterVault
    /// the registrar (no access), LogAccess a vault whose registration is live (one access).
    function checkAuthority(Env memory env, DecodedTx memory t, address signer, Witness[] calldata ws)
        private
        pure
        returns (uint8)
    {
        uint8 ty = t.txType;
        if (ty == C.TX_DELEGATED_GRANT_CONSENT || ty == C.TX_DELEGATED_REVOKE_CONSENT) {
            (,, bytes32 delegation) = take(env, ws, StateKeys.delegateKey(t.patient, signer), false, false);
            if (uint256(delegation) <= env.timestamp) return C.REJECT_UNAUTHORIZED;
        } else if (ty == C.TX_REGISTER_VAULT) {
            if (signer != env.registrar) return C.REJECT_UNAUTHORIZED;
        } else if (ty == C.TX_LOG_ACCESS) {
            (,, bytes32 registration) = take(env, ws, StateKeys.vaultKey(signer), false, false);
            if (uint256(registration) <= env.timestamp) return C.REJECT_UNAUTHORIZED;
        }
        return C.OK;
    }

    function applyEffect(Env memory env, DecodedTx memory t, address signer, Witness[] calldata ws)
        private
        pure
        returns (uint8)
    {
        uint8 ty = t.txType;
        if (ty == C.TX_GRANT_CONSENT || ty == C.TX_DELEGATED_GRANT_CONSENT) {
            address patient = ty == C.TX_GRANT_CONSENT ? signer : t.patient;
            bytes32 value = StateKeys.consentWord(t.access, t.categories, t.expiry);
            write(env, ws, StateKeys.consentKey(patient, t.other), value);
        } else if (ty == C.TX_REVOKE_CONSENT || ty == C.TX_DELEGATED_REVOKE_CONSENT) {
            address patient = ty == C.TX_REVOKE_CONSENT ? signer : t.patient;
            write(env, ws, StateKeys.consentKey(patient, t.other), bytes32(0));
        } else if (ty == C.TX_SET_DELEGATE) {
            write(env, ws, StateKeys.delegateKey(signer, t.other), bytes32(uint256(t.expiry)));
        } else if (ty == C.TX_REGISTER_ENCRYPTION_KEY) {
            write(env, ws, StateKeys.encryptionKeyKey(signer), t.word);
        } else if (ty == C.TX_LOG_ACCESS) {
            logAccess(env, t, signer, ws);
        } else if (ty == C.TX_REGISTER_VAULT) {
            write(env, ws, StateKeys.vaultKey(t.other), bytes32(uint256(t.expiry)));
        } else {
            return anchorRecord(env, t, signer, ws);
        }
        return C.OK;
    }

    function anchorRecord(Env memory env, DecodedTx memory t, address signer, Witness[] calldata ws)
        private
        pure
        returns (uint8)
    {
        {
            (,, bytes32 consent) = take(env, ws, StateKeys.consentKey(t.patient, signer), false, false);
            (uint8 access, uint32 categories, uint40 expiry) = StateKeys.consentOf(consent);
            bool covers = expiry > env.timestamp && access & C.ACCESS_WRITE != 0 && (categories >> t.category) & 1 == 1;
            if (!covers) return C.REJECT_NO_CONSENT;
        }
        bytes32 key = StateKeys.recordKey(t.patient, t.recordId);
        (Witness calldata w, bool exists,) = take(env, ws, key, false, true);
        if (exists) {
            (uint8 category, uint32 version) = StateKeys.recordCategoryVersion(w.preimage);
            if (t.version <= version) return C.REJECT_BAD_VERSION;
            if (t.category != category) return C.REJECT_CATEGORY_MISMATCH;
        }
        bytes32 value = StateKeys.recordWord(signer, t.ciphertextHash, t.locationHash, t.category, t.version);
        env.root = StateTree.rootAfterWrite(key, w, exists, value);
        return C.OK;
    }

    function logAccess(Env memory env, DecodedTx memory t, address signer, Witness[] calldata ws) private pure {
        bytes32 key = StateKeys.accessLogKey(t.patient);
        (Witness calldata w, bool exists, bytes32 head) = take(env, ws, key, false, false);
        head = StateKeys.nextAccessLogHead(head, signer, t, env.timestamp);
        env.root = StateTree.rootAfterWrite(key, w, exists, head);
    }

    function checkFields(DecodedTx memory t) private pure returns (uint8) {
        uint8 ty = t.txType;
        if (ty == C.TX_GRANT_CONSENT || ty == C.TX_DELEGATED_GRANT_CONSENT) {
            if (t.access < 1 || t.access > 3 || t.categories == 0) return C.REJECT_INVALID_FIELD;
        } else if (ty == C.TX_ANCHOR_RECORD) {
            if (t.category >= C.CATEGORY_COUNT || t.version < 1 || t.recordId == bytes32(0)) {
                return C.REJECT_INVALID_FIELD;
            }
        } else if (ty == C.TX_LOG_ACCESS) {
            if (t.version < 1 || t.recordId == bytes32(0)) return C.REJECT_INVALID_FIELD;
        }
        return C.OK;
    }

    function checkTime(DecodedTx memory t, uint64 timestamp) private pure returns (uint8) {
        uint8 ty = t.txType;
        if ((ty == C.TX_GRANT_CONSENT || ty == C.TX_DELEGATED_GRANT_CONSENT) && t.expiry <= timestamp) {
            return C.REJECT_EXPIRED;
        }
        if ((ty == C.TX_SET_DELEGATE || ty == C.TX_REGISTER_VAULT) && t.expiry != 0 && t.expiry <= timestamp) {
            return C.REJECT_EXPIRED;
        }
        return C.OK;
    }

    /// @dev A transaction whose counterparty is its own signer (or patient) is malformed.
    function checkIdentity(DecodedTx memory t, address signer) private pure returns (uint8) {
        uint8 ty = t.txType;
        if (ty == C.TX_GRANT_CONSENT || ty == C.TX_REVOKE_CONSENT || ty == C.TX_SET_DELEGATE) {
            if (t.other == signer) return C.REJECT_INVALID_FIELD;
        } else if (ty == C.TX_DELEGATED_GRANT_CONSENT || ty == C.TX_DELEGATED_REVOKE_CONSENT) {
            if (t.patient == signer || t.other == t.patient) return C.REJECT_INVALID_FIELD;
        }
        return C.OK;
    }

    /// @notice Revert unless every witness was consumed (a proof carries exactly its leaf's accesses).
    /// @param env the environment after the leaf's execution
    /// @param ws the witnesses presented
    function requireAllUsed(Env memory env, Witness[] calldata ws) internal pure {
        if (env.next != ws.length) revert UnusedWitnesses(env.next, ws.length);
    }

    /// @dev Consume the next witness for an access to `key`: the proof (StateTree.verify; `deletes`
    /// when the access writes zero), then the value preimage, which only a `hashed` key (a record) that
    /// exists carries: exactly RECORD_PREIMAGE_BYTES hashing to its value. Every other witness has none.
    function take(Env memory env, Witness[] calldata ws, bytes32 key, bool deletes, bool hashed)
        private
        pure
        returns (Witness calldata w, bool exists, bytes32 value)
    {
        uint256 i = env.next;
        if (i >= ws.length) revert WitnessMissing(i);
        env.next = i + 1;
        w = ws[i];
        (exists, value) = StateTree.verify(env.root, key, w, deletes);
        if (hashed && exists) {
            if (w.preimage.length != StateKeys.RECORD_PREIMAGE_BYTES || keccak256(w.preimage) != value) {
                revert PreimageMismatch(i);
            }
        } else if (w.preimage.length != 0) {
            revert PreimageMismatch(i);
        }
    }

    /// @dev Set a plain key to `value` (zero deletes it).
    function write(Env memory env, Witness[] calldata ws, bytes32 key, bytes32 value) private pure {
        (Witness calldata w, bool exists,) = take(env, ws, key, value == bytes32(0), false);
        env.root = StateTree.rootAfterWrite(key, w, exists, value);
    }
}

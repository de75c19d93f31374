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
        } else if (ty == C.TX_REGISTER_VAULT || ty == C.TX_REGISTER_ISSUER) {
            if (signer != env.registrar) return C.REJECT_UNAUTHORIZED;
        } else if (ty == C.TX_LOG_ACCESS) {
            (,, bytes32 registration) = take(env, ws, StateKeys.vaultKey(signer), false, false);
            if (uint256(registration) <= env.timestamp) return C.REJECT_UNAUTHORIZED;
        } else if (ty == C.TX_ISSUE_CREDENTIAL) {
            (,, bytes32 registration) = take(env, ws, StateKeys.issuerKey(signer), false, false);
            if (uint256(registration) <= env.timestamp) return C.REJECT_UNAUTHORIZED;
        } else if ((ty == C.TX_SET_POLICY || ty == C.TX_REMOVE_POLICY) && t.patient != signer) {
            (,, bytes32 delegation) = take(env, ws, StateKeys.delegateKey(t.patient, signer), false, false);
            if (uint256(delegation) <= env.timestamp) return C.REJECT_UNAUTHORIZED;
        }
        return C.OK;
    }

    function applyEffect(Env memory env, DecodedTx memory t, address signer, Witness[] calldata ws)
        private
        pure
        returns (uint8)
    {
        uint8 ty = t.txType;
        if (ty >= C.TX_REGISTER_ISSUER) return applyGovernance(env, t, signer, ws);
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

    /// @dev Type rules of types 10..15 (docs/protocol.md section 13.3), twin of sequencer/state/governance.ts.
    function applyGovernance(Env memory env, DecodedTx memory t, address signer, Witness[] calldata ws)
        private
        pure
        returns (uint8)
    {
        uint8 ty = t.txType;
        if (ty == C.TX_REGISTER_ISSUER) {
            write(env, ws, StateKeys.issuerKey(t.other), bytes32(uint256(t.expiry)));
        } else if (ty == C.TX_ISSUE_CREDENTIAL) {
            write(env, ws, StateKeys.credentialKey(signer, t.other, t.role, t.word), bytes32(uint256(t.expiry)));
        } else if (ty == C.TX_SET_POLICY) {
            write(env, ws, StateKeys.policyKey(t.patient, t.policyId), StateKeys.policyWord(t));
        } else if (ty == C.TX_REMOVE_POLICY) {
            write(env, ws, StateKeys.policyKey(t.patient, t.policyId), bytes32(0));
        } else if (ty == C.TX_REQUEST_ACCESS) {
            return requestAccess(env, t, signer, ws);
        } else {
            bytes32 credential = StateKeys.credentialKey(t.other, signer, C.EMERGENCY_ROLE, t.word);
            if (!liveCredential(env, ws, t.other, credential)) return C.REJECT_NO_CREDENTIAL;
            bytes32 value = StateKeys.consentWord(C.ACCESS_READ, t.categories, grantExpiry(env, C.BREAK_GLASS_DURATION));
            write(env, ws, StateKeys.consentKey(t.patient, signer), value);
        }
        return C.OK;
    }

    function requestAccess(Env memory env, DecodedTx memory t, address signer, Witness[] calldata ws)
        private
        pure
        returns (uint8)
    {
        (,, bytes32 policy) = take(env, ws, StateKeys.policyKey(t.patient, t.policyId), false, false);
        if (policy == bytes32(0)) return C.REJECT_NO_POLICY;
        (address issuer, bytes32 credential) = policyCredential(policy, signer, t.word);
        if (!liveCredential(env, ws, issuer, credential)) return C.REJECT_NO_CREDENTIAL;
        write(env, ws, StateKeys.consentKey(t.patient, signer), policyGrant(env, policy));
        return C.OK;
    }

    /// @dev The issuer a policy names and the key of the credential `subject` must hold under it.
    function policyCredential(bytes32 policy, address subject, bytes32 organisation)
        private
        pure
        returns (address issuer, bytes32 credential)
    {
        uint8 role;
        (issuer, role,,,) = StateKeys.policyOf(policy);
        credential = StateKeys.credentialKey(issuer, subject, role, organisation);
    }

    /// @dev The consent word a policy grants now: (access, categories, T + duration).
    function policyGrant(Env memory env, bytes32 policy) private pure returns (bytes32) {
        (,, uint8 access, uint32 categories, uint32 duration) = StateKeys.policyOf(policy);
        return StateKeys.consentWord(access, categories, grantExpiry(env, duration));
    }

    /// @dev A credential is live when its issuer's registration and its own expiry (at `credential`, the
    /// credential key) are after T: two reads, in that order; the second is skipped when the first fails.
    function liveCredential(Env memory env, Witness[] calldata ws, address issuer, bytes32 credential)
        private
        pure
        returns (bool)
    {
        (,, bytes32 registration) = take(env, ws, StateKeys.issuerKey(issuer), false, false);
        if (uint256(registration) <= env.timestamp) return false;
        (,, bytes32 expiry) = take(env, ws, credential, false, false);
        return uint256(expiry) > env.timestamp;
    }

    /// @dev (T + duration) mod 2^40: the expiry word of a grant made now (docs/protocol.md section 13.3).
    function grantExpiry(Env memory env, uint256 duration) private pure returns (uint40) {
        return uint40(uint256(env.timestamp) + duration);
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
        } else if (ty == C.TX_ISSUE_CREDENTIAL) {
            if (t.role == 0) return C.REJECT_INVALID_FIELD;
        } else if (ty == C.TX_SET_POLICY) {
            bool ok = t.role != 0 && t.access >= 1 && t.access <= 3 && t.categories != 0 && t.duration >= 1
                && t.duration <= C.MAX_POLICY_DURATION;
            if (!ok) return C.REJECT_INVALID_FIELD;
        } else if (ty == C.TX_BREAK_GLASS) {
            if (t.categories == 0) return C.REJECT_INVALID_FIELD;
        }
        return C.OK;
    }

    function checkTime(DecodedTx memory t, uint64 timestamp) private pure returns (uint8) {
        uint8 ty = t.txType;
        if ((ty == C.TX_GRANT_CONSENT || ty == C.TX_DELEGATED_GRANT_CONSENT) && t.expiry <= timestamp) {
            return C.REJECT_EXPIRED;
        }
        bool zeroRemoves = ty == C.TX_SET_DELEGATE || ty == C.TX_REGISTER_VAULT || ty == C.TX_REGISTER_ISSUER
            || ty == C.TX_ISSUE_CREDENTIAL;
        if (zeroRemoves && t.expiry != 0 && t.expiry <= timestamp) {
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
        } else if (ty == C.TX_ISSUE_CREDENTIAL) {
            if (t.other == signer) return C.REJECT_INVALID_FIELD;
        } else if (ty == C.TX_REQUEST_ACCESS || ty == C.TX_BREAK_GLASS) {
            if (t.patient == signer) return C.REJECT_INVALID_FIELD;
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

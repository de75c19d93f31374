// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {ProtocolConstants as C} from "./ProtocolConstants.sol";
import {DecodedTx} from "./RollupTypes.sol";

/// @title TxDigest
/// @notice EIP-712 digests of rollup transactions (twin of sequencer/protocol/eip712.ts; the struct types
/// are those of sequencer/protocol/schema.ts, and the vectors pin that both sides hash alike).
library TxDigest {
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant NAME_HASH = keccak256("ephr-rollup");
    bytes32 internal constant VERSION_HASH = keccak256("1");

    bytes32 internal constant GRANT_CONSENT_TYPEHASH =
        keccak256("GrantConsent(address grantee,uint8 access,uint32 categories,uint40 expiry,uint32 nonce)");
    bytes32 internal constant REVOKE_CONSENT_TYPEHASH = keccak256("RevokeConsent(address grantee,uint32 nonce)");
    bytes32 internal constant DELEGATED_GRANT_CONSENT_TYPEHASH = keccak256(
        "DelegatedGrantConsent(address patient,address grantee,uint8 access,uint32 categories,uint40 expiry,uint32 nonce)"
    );
    bytes32 internal constant DELEGATED_REVOKE_CONSENT_TYPEHASH =
        keccak256("DelegatedRevokeConsent(address patient,address grantee,uint32 nonce)");
    bytes32 internal constant ANCHOR_RECORD_TYPEHASH = keccak256(
        "AnchorRecord(address patient,bytes32 recordId,bytes32 ciphertextHash,bytes32 locationHash,uint8 category,uint32 version,uint32 nonce)"
    );
    bytes32 internal constant SET_DELEGATE_TYPEHASH =
        keccak256("SetDelegate(address delegate,uint40 expiry,uint32 nonce)");
    bytes32 internal constant REGISTER_ENCRYPTION_KEY_TYPEHASH =
        keccak256("RegisterEncryptionKey(bytes32 publicKey,uint32 nonce)");
    bytes32 internal constant LOG_ACCESS_TYPEHASH = keccak256(
        "LogAccess(address patient,address reader,bytes32 recordId,uint32 version,bytes32 requestHash,uint32 nonce)"
    );
    bytes32 internal constant REGISTER_VAULT_TYPEHASH =
        keccak256("RegisterVault(address vault,uint40 expiry,uint32 nonce)");
    bytes32 internal constant REGISTER_ISSUER_TYPEHASH =
        keccak256("RegisterIssuer(address issuer,uint40 expiry,uint32 nonce)");
    bytes32 internal constant ISSUE_CREDENTIAL_TYPEHASH = keccak256(
        "IssueCredential(address subject,uint8 role,bytes32 organisation,uint40 expiry,uint32 nonce)"
    );
    bytes32 internal constant SET_POLICY_TYPEHASH = keccak256(
        "SetPolicy(address patient,uint32 policyId,address issuer,uint8 role,uint8 access,uint32 categories,uint32 duration,uint32 nonce)"
    );
    bytes32 internal constant REMOVE_POLICY_TYPEHASH =
        keccak256("RemovePolicy(address patient,uint32 policyId,uint32 nonce)");
    bytes32 internal constant REQUEST_ACCESS_TYPEHASH =
        keccak256("RequestAccess(address patient,uint32 policyId,bytes32 organisation,uint32 nonce)");
    bytes32 internal constant BREAK_GLASS_TYPEHASH = keccak256(
        "BreakGlass(address patient,address issuer,bytes32 organisation,uint32 categories,uint32 nonce)"
    );

    /// @notice The EIP-712 domain separator binding signatures to one chain and one Rollup deployment.
    /// @param chainId the L1 chain id
    /// @param verifyingContract the Rollup's address
    function domainSeparator(uint256 chainId, address verifyingContract) internal pure returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, chainId, verifyingContract));
    }

    function structHash(DecodedTx memory t) internal pure returns (bytes32) {
        uint8 ty = t.txType;
        if (ty >= C.TX_REGISTER_ISSUER) return governanceStructHash(t);
        if (ty == C.TX_GRANT_CONSENT) {
            return keccak256(abi.encode(GRANT_CONSENT_TYPEHASH, t.other, t.access, t.categories, t.expiry, t.nonce));
        }
        if (ty == C.TX_REVOKE_CONSENT) return keccak256(abi.encode(REVOKE_CONSENT_TYPEHASH, t.other, t.nonce));
        if (ty == C.TX_DELEGATED_GRANT_CONSENT) {
            return keccak256(
                abi.encode(
                    DELEGATED_GRANT_CONSENT_TYPEHASH, t.patient, t.other, t.access, t.categories, t.expiry, t.nonce
                )
            );
        }
        if (ty == C.TX_DELEGATED_REVOKE_CONSENT) {
            return keccak256(abi.encode(DELEGATED_REVOKE_CONSENT_TYPEHASH, t.patient, t.other, t.nonce));
        }
        if (ty == C.TX_ANCHOR_RECORD) {
            return keccak256(
                abi.encode(
                    ANCHOR_RECORD_TYPEHASH,
                    t.patient,
                    t.recordId,
                    t.ciphertextHash,
                    t.locationHash,
                    t.category,
                    t.version,
                    t.nonce
                )
            );
        }
        if (ty == C.TX_SET_DELEGATE) return keccak256(abi.encode(SET_DELEGATE_TYPEHASH, t.other, t.expiry, t.nonce));
        if (ty == C.TX_REGISTER_ENCRYPTION_KEY) {
            return keccak256(abi.encode(REGISTER_ENCRYPTION_KEY_TYPEHASH, t.word, t.nonce));
        }
        if (ty == C.TX_REGISTER_VAULT) return keccak256(abi.encode(REGISTER_VAULT_TYPEHASH, t.other, t.expiry, t.nonce));
        return keccak256(abi.encode(LOG_ACCESS_TYPEHASH, t.patient, t.other, t.recordId, t.version, t.word, t.nonce));
    }

    /// @dev Struct hashes of types 10..15 (docs/protocol.md section 13).
    function governanceStructHash(DecodedTx memory t) private pure returns (bytes32) {
        uint8 ty = t.txType;
        if (ty == C.TX_REGISTER_ISSUER) {
            return keccak256(abi.encode(REGISTER_ISSUER_TYPEHASH, t.other, t.expiry, t.nonce));
        }
        if (ty == C.TX_ISSUE_CREDENTIAL) {
            return keccak256(abi.encode(ISSUE_CREDENTIAL_TYPEHASH, t.other, t.role, t.word, t.expiry, t.nonce));
        }
        if (ty == C.TX_SET_POLICY) {
            return keccak256(
                abi.encode(
                    SET_POLICY_TYPEHASH,
                    t.patient,
                    t.policyId,
                    t.other,
                    t.role,
                    t.access,
                    t.categories,
                    t.duration,
                    t.nonce
                )
            );
        }
        if (ty == C.TX_REMOVE_POLICY) {
            return keccak256(abi.encode(REMOVE_POLICY_TYPEHASH, t.patient, t.policyId, t.nonce));
        }
        if (ty == C.TX_REQUEST_ACCESS) {
            return keccak256(abi.encode(REQUEST_ACCESS_TYPEHASH, t.patient, t.policyId, t.word, t.nonce));
        }
        return keccak256(abi.encode(BREAK_GLASS_TYPEHASH, t.patient, t.other, t.word, t.categories, t.nonce));
    }

    function digest(bytes32 separator, DecodedTx memory t) internal pure returns (bytes32) {
        return MessageHashUtils.toTypedDataHash(separator, structHash(t));
    }
}

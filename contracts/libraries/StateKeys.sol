// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ProtocolConstants as C} from "./ProtocolConstants.sol";
import {DecodedTx} from "./RollupTypes.sol";

/// @title StateKeys
/// @notice State keys and value words (twin of sequencer/protocol/keys.ts). A zero value means absent.
library StateKeys {
    function nonceKey(address account) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(C.KEY_NONCE, account));
    }

    function consentKey(address patient, address grantee) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(C.KEY_CONSENT, patient, grantee));
    }

    function delegateKey(address patient, address delegate) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(C.KEY_DELEGATE, patient, delegate));
    }

    function recordKey(address patient, bytes32 recordId) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(C.KEY_RECORD, patient, recordId));
    }

    function encryptionKeyKey(address account) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(C.KEY_ENCRYPTION_KEY, account));
    }

    function accessLogKey(address patient) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(C.KEY_ACCESS_LOG, patient));
    }

    function vaultKey(address vault) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(C.KEY_VAULT, vault));
    }

    function issuerKey(address issuer) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(C.KEY_ISSUER, issuer));
    }

    /// @dev keccak256(0x09 || issuer || subject || role:1 || organisation:32)
    function credentialKey(address issuer, address subject, uint8 role, bytes32 organisation)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encodePacked(C.KEY_CREDENTIAL, issuer, subject, role, organisation));
    }

    /// @dev keccak256(0x0a || patient || policyId:4)
    function policyKey(address patient, uint32 policyId) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(C.KEY_POLICY, patient, policyId));
    }

    /// @dev policy word = issuer << 80 | role << 72 | access << 64 | categories << 32 | duration
    function policyWord(DecodedTx memory t) internal pure returns (bytes32) {
        return bytes32(
            (uint256(uint160(t.other)) << 80) | (uint256(t.role) << 72) | (uint256(t.access) << 64)
                | (uint256(t.categories) << 32) | uint256(t.duration)
        );
    }

    /// @dev The fields of a policy word (see policyWord).
    function policyOf(bytes32 word)
        internal
        pure
        returns (address issuer, uint8 role, uint8 access, uint32 categories, uint32 duration)
    {
        uint256 v = uint256(word);
        issuer = address(uint160(v >> 80));
        role = uint8(v >> 72);
        access = uint8(v >> 64);
        categories = uint32(v >> 32);
        duration = uint32(v);
    }

    /// @dev Access-log head after one more served read of a LogAccess transaction `t` signed by `vault`:
    /// keccak256(head || keccak256(vault:20 || reader:20 || recordId:32 || version:4 || requestHash:32 || timestamp:8))
    function nextAccessLogHead(bytes32 head, address vault, DecodedTx memory t, uint64 timestamp)
        internal
        pure
        returns (bytes32)
    {
        bytes32 entry = keccak256(abi.encodePacked(vault, t.other, t.recordId, t.version, t.word, timestamp));
        return keccak256(abi.encodePacked(head, entry));
    }

    /// @dev consent word = access << 72 | categories << 40 | expiry
    function consentWord(uint8 access, uint32 categories, uint40 expiry) internal pure returns (bytes32) {
        return bytes32((uint256(access) << 72) | (uint256(categories) << 40) | uint256(expiry));
    }

    function consentOf(bytes32 word) internal pure returns (uint8 access, uint32 categories, uint40 expiry) {
        uint256 v = uint256(word);
        access = uint8(v >> 72);
        categories = uint32(v >> 40);
        expiry = uint40(v);
    }

    /// @dev record word = keccak256(provider:20 || ciphertextHash:32 || locationHash:32 || category:1 || version:4)
    function recordWord(
        address provider,
        bytes32 ciphertextHash,
        bytes32 locationHash,
        uint8 category,
        uint32 version
    ) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(provider, ciphertextHash, locationHash, category, version));
    }

    /// @dev Category and version of an 89-byte record preimage (layout as in recordWord).
    function recordCategoryVersion(bytes calldata preimage) internal pure returns (uint8 category, uint32 version) {
        category = uint8(preimage[84]);
        version = uint32(bytes4(preimage[85:89]));
    }

    uint256 internal constant RECORD_PREIMAGE_BYTES = 89;
}

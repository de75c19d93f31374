// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title ProtocolConstants
/// @notice Protocol constants, mirrored from sequencer/protocol/constants.ts (the shared vectors pin them).
library ProtocolConstants {
    uint8 internal constant TX_GRANT_CONSENT = 1;
    uint8 internal constant TX_REVOKE_CONSENT = 2;
    uint8 internal constant TX_DELEGATED_GRANT_CONSENT = 3;
    uint8 internal constant TX_DELEGATED_REVOKE_CONSENT = 4;
    uint8 internal constant TX_ANCHOR_RECORD = 5;
    uint8 internal constant TX_SET_DELEGATE = 6;
    uint8 internal constant TX_REGISTER_ENCRYPTION_KEY = 7;
    uint8 internal constant TX_LOG_ACCESS = 8;
    uint8 internal constant TX_REGISTER_VAULT = 9;
    uint8 internal constant TX_REGISTER_ISSUER = 10;
    uint8 internal constant TX_ISSUE_CREDENTIAL = 11;
    uint8 internal constant TX_SET_POLICY = 12;
    uint8 internal constant TX_REMOVE_POLICY = 13;
    uint8 internal constant TX_REQUEST_ACCESS = 14;
    uint8 internal constant TX_BREAK_GLASS = 15;

    uint8 internal constant HEADER_RESERVED_MASK = 0xf0;
    uint8 internal constant HEADER_TYPE_MASK = 0x0f;

    uint8 internal constant ACCESS_READ = 1;
    uint8 internal constant ACCESS_WRITE = 2;
    uint8 internal constant CATEGORY_COUNT = 32;

    uint256 internal constant MAX_CHUNK_TXS = 16;
    uint256 internal constant MAX_CHUNK_ADDRESSES = 48;
    uint256 internal constant MAX_CHUNK_BODY_BYTES = 4096;
    uint256 internal constant MAX_BATCH_LEAVES = 256;

    uint8 internal constant KEY_NONCE = 1;
    uint8 internal constant KEY_CONSENT = 2;
    uint8 internal constant KEY_DELEGATE = 3;
    uint8 internal constant KEY_RECORD = 4;
    uint8 internal constant KEY_ENCRYPTION_KEY = 5;
    uint8 internal constant KEY_ACCESS_LOG = 6;
    uint8 internal constant KEY_VAULT = 7;
    uint8 internal constant KEY_ISSUER = 8;
    uint8 internal constant KEY_CREDENTIAL = 9;
    uint8 internal constant KEY_POLICY = 10;

    // Governance (docs/protocol.md section 13).
    uint8 internal constant EMERGENCY_ROLE = 1;
    uint64 internal constant BREAK_GLASS_DURATION = 4 hours;
    uint32 internal constant MAX_POLICY_DURATION = 365 days;

    // Rejection reasons of a transaction (0 = valid).
    uint8 internal constant OK = 0;
    uint8 internal constant REJECT_BAD_SIGNATURE = 1;
    uint8 internal constant REJECT_UNAUTHORIZED = 2;
    uint8 internal constant REJECT_BAD_NONCE = 3;
    uint8 internal constant REJECT_EXPIRED = 4;
    uint8 internal constant REJECT_NO_CONSENT = 5;
    uint8 internal constant REJECT_BAD_VERSION = 6;
    uint8 internal constant REJECT_INVALID_FIELD = 7;
    uint8 internal constant REJECT_CATEGORY_MISMATCH = 8;
    uint8 internal constant REJECT_NO_POLICY = 9;
    uint8 internal constant REJECT_NO_CREDENTIAL = 10;

    // Reasons a chunk body does not decode (0 = decodes).
    uint8 internal constant DECODE_OK = 0;
    uint8 internal constant DECODE_TRUNCATED = 1;
    uint8 internal constant DECODE_BAD_TX_COUNT = 2;
    uint8 internal constant DECODE_BAD_ADDRESS_COUNT = 3;
    uint8 internal constant DECODE_UNKNOWN_TX_TYPE = 4;
    uint8 internal constant DECODE_RESERVED_BITS = 5;
    uint8 internal constant DECODE_ADDRESS_REF = 6;
    uint8 internal constant DECODE_UNUSED_ADDRESS = 7;
    uint8 internal constant DECODE_ADDRESS_ORDER = 8;
    uint8 internal constant DECODE_TRAILING_BYTES = 9;
    uint8 internal constant DECODE_BODY_TOO_LONG = 10;
    uint8 internal constant DECODE_BAD_VARINT = 11;
}

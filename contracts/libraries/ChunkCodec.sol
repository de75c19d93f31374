// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ProtocolConstants as C} from "./ProtocolConstants.sol";
import {DecodedTx} from "./RollupTypes.sol";

/// @title ChunkCodec
/// @notice Decodes a chunk body from calldata (twin of sequencer/protocol/codec.ts; docs/protocol.md
/// "Chunk body"; integers of 32 and 40 bits are minimal LEB128 varints). Never reverts on malformed input: it returns the protocol's decode-error code, so that
/// undecodable data can be proven as fraud. Checks happen in reading order; the first failure is reported.
library ChunkCodec {
    struct Cursor {
        uint256 pos;
        uint256 end;
        uint256 addrCount;
        uint256 used; // bitmap of referenced address-table entries
        uint8 err;
    }

    /// @notice Decode `body`; `err` is 0 when it decodes, else a DECODE_* code and `txs` is empty.
    /// @param body the chunk body (docs/protocol.md, "Chunk bodies")
    /// @return err 0, or the DECODE_* code of the first check that fails, in reading order
    /// @return txs the decoded transactions
    function decode(bytes calldata body) internal pure returns (uint8 err, DecodedTx[] memory txs) {
        if (body.length > C.MAX_CHUNK_BODY_BYTES) return (C.DECODE_BODY_TOO_LONG, txs);
        Cursor memory c = Cursor({pos: 0, end: body.length, addrCount: 0, used: 0, err: 0});
        uint256 txCount = readUint(body, c, 1);
        if (c.err != 0) return (c.err, txs);
        if (txCount == 0 || txCount > C.MAX_CHUNK_TXS) return (C.DECODE_BAD_TX_COUNT, txs);
        c.addrCount = readUint(body, c, 1);
        if (c.err != 0) return (c.err, txs);
        if (c.addrCount > C.MAX_CHUNK_ADDRESSES) return (C.DECODE_BAD_ADDRESS_COUNT, txs);
        address[] memory table = new address[](c.addrCount);
        for (uint256 i = 0; i < c.addrCount; ++i) {
            table[i] = address(uint160(readUint(body, c, 20)));
            if (c.err != 0) return (c.err, txs);
            if (i > 0 && table[i] <= table[i - 1]) return (C.DECODE_ADDRESS_ORDER, txs);
        }
        DecodedTx[] memory out = new DecodedTx[](txCount);
        for (uint256 t = 0; t < txCount; ++t) {
            out[t] = decodeTx(body, c, table);
            if (c.err != 0) return (c.err, txs);
        }
        if (c.pos != c.end) return (C.DECODE_TRAILING_BYTES, txs);
        if (c.used != (uint256(1) << c.addrCount) - 1) return (C.DECODE_UNUSED_ADDRESS, txs);
        return (C.DECODE_OK, out);
    }

    /// @dev Fields in the order of sequencer/protocol/schema.ts, then nonce and signature.
    function decodeTx(bytes calldata body, Cursor memory c, address[] memory table)
        private
        pure
        returns (DecodedTx memory t)
    {
        uint256 header = readUint(body, c, 1);
        if (c.err != 0) return t;
        if (header & C.HEADER_RESERVED_MASK != 0) return fail(c, C.DECODE_RESERVED_BITS, t);
        uint8 txType = uint8(header & C.HEADER_TYPE_MASK);
        t.txType = txType;
        if (txType == C.TX_GRANT_CONSENT || txType == C.TX_DELEGATED_GRANT_CONSENT) {
            if (txType == C.TX_DELEGATED_GRANT_CONSENT) t.patient = readAddress(body, c, table);
            t.other = readAddress(body, c, table);
            t.access = uint8(readUint(body, c, 1));
            t.categories = uint32(readVarint(body, c, 5, 32));
            t.expiry = uint40(readVarint(body, c, 6, 40));
        } else if (txType == C.TX_REVOKE_CONSENT || txType == C.TX_DELEGATED_REVOKE_CONSENT) {
            if (txType == C.TX_DELEGATED_REVOKE_CONSENT) t.patient = readAddress(body, c, table);
            t.other = readAddress(body, c, table);
        } else if (txType == C.TX_ANCHOR_RECORD) {
            t.patient = readAddress(body, c, table);
            t.recordId = bytes32(readUint(body, c, 32));
            t.ciphertextHash = bytes32(readUint(body, c, 32));
            t.locationHash = bytes32(readUint(body, c, 32));
            t.category = uint8(readUint(body, c, 1));
            t.version = uint32(readVarint(body, c, 5, 32));
        } else if (txType >= C.TX_REGISTER_ISSUER) {
            decodeGovernance(body, c, table, t);
        } else if (txType == C.TX_SET_DELEGATE || txType == C.TX_REGISTER_VAULT) {
            t.other = readAddress(body, c, table);
            t.expiry = uint40(readVarint(body, c, 6, 40));
        } else if (txType == C.TX_REGISTER_ENCRYPTION_KEY) {
            t.word = bytes32(readUint(body, c, 32));
        } else if (txType == C.TX_LOG_ACCESS) {
            t.patient = readAddress(body, c, table);
            t.other = readAddress(body, c, table);
            t.recordId = bytes32(readUint(body, c, 32));
            t.version = uint32(readVarint(body, c, 5, 32));
            t.word = bytes32(readUint(body, c, 32));
        } else {
            return fail(c, C.DECODE_UNKNOWN_TX_TYPE, t);
        }
        t.nonce = uint32(readVarint(body, c, 5, 32));
        t.r = bytes32(readUint(body, c, 32));
        t.vs = bytes32(readUint(body, c, 32));
    }

    /// @dev Fields of types 10..15 (every code above 9 fits the four type bits and is one of them).
    function decodeGovernance(bytes calldata body, Cursor memory c, address[] memory table, DecodedTx memory t)
        private
        pure
    {
        uint8 ty = t.txType;
        if (ty == C.TX_REGISTER_ISSUER) {
            t.other = readAddress(body, c, table);
            t.expiry = uint40(readVarint(body, c, 6, 40));
        } else if (ty == C.TX_ISSUE_CREDENTIAL) {
            t.other = readAddress(body, c, table);
            t.role = uint8(readUint(body, c, 1));
            t.word = bytes32(readUint(body, c, 32));
            t.expiry = uint40(readVarint(body, c, 6, 40));
        } else if (ty == C.TX_SET_POLICY) {
            t.patient = readAddress(body, c, table);
            t.policyId = uint32(readVarint(body, c, 5, 32));
            t.other = readAddress(body, c, table);
            t.role = uint8(readUint(body, c, 1));
            t.access = uint8(readUint(body, c, 1));
            t.categories = uint32(readVarint(body, c, 5, 32));
            t.duration = uint32(readVarint(body, c, 5, 32));
        } else if (ty == C.TX_REMOVE_POLICY) {
            t.patient = readAddress(body, c, table);
            t.policyId = uint32(readVarint(body, c, 5, 32));
        } else if (ty == C.TX_REQUEST_ACCESS) {
            t.patient = readAddress(body, c, table);
            t.policyId = uint32(readVarint(body, c, 5, 32));
            t.word = bytes32(readUint(body, c, 32));
        } else {
            t.patient = readAddress(body, c, table);
            t.other = readAddress(body, c, table);
            t.word = bytes32(readUint(body, c, 32));
            t.categories = uint32(readVarint(body, c, 5, 32));
        }
    }

    function fail(Cursor memory c, uint8 err, DecodedTx memory t) private pure returns (DecodedTx memory) {
        c.err = err;
        return t;
    }

    /// @dev Read an n-byte (1..32) big-endian integer; sets DECODE_TRUNCATED (and returns 0) past the end,
    /// and does nothing once an error is set.
    function readUint(bytes calldata body, Cursor memory c, uint256 n) private pure returns (uint256 v) {
        if (c.err != 0) return 0;
        if (c.pos + n > c.end) {
            c.err = C.DECODE_TRUNCATED;
            return 0;
        }
        uint256 offset = c.pos;
        assembly ("memory-safe") {
            v := shr(sub(256, mul(n, 8)), calldataload(add(body.offset, offset)))
        }
        c.pos = offset + n;
    }

    /// @dev Read a minimal unsigned LEB128 varint of at most `maxBytes` bytes whose value fits `bits` bits
    /// (docs/protocol.md section 5): DECODE_TRUNCATED past the end, DECODE_BAD_VARINT when a continuation
    /// bit is set on the `maxBytes`-th byte, when a last byte of 0x00 follows other bytes (not minimal), or
    /// when the value needs more than `bits` bits. Does nothing once an error is set.
    function readVarint(bytes calldata body, Cursor memory c, uint256 maxBytes, uint256 bits)
        private
        pure
        returns (uint256 v)
    {
        if (c.err != 0) return 0;
        uint256 start = c.pos;
        for (uint256 i = 0; i < maxBytes; ++i) {
            uint256 p = start + i;
            if (p >= c.end) {
                c.err = C.DECODE_TRUNCATED;
                return 0;
            }
            uint256 b = uint8(body[p]);
            v |= (b & 0x7f) << (7 * i);
            if (b & 0x80 == 0) {
                if ((b == 0 && i > 0) || v >> bits != 0) {
                    c.err = C.DECODE_BAD_VARINT;
                    return 0;
                }
                c.pos = p + 1;
                return v;
            }
        }
        c.err = C.DECODE_BAD_VARINT;
        return 0;
    }

    /// @dev Read a 1-byte reference into the address table and mark the entry used.
    function readAddress(bytes calldata body, Cursor memory c, address[] memory table) private pure returns (address) {
        uint256 ref = readUint(body, c, 1);
        if (c.err != 0) return address(0);
        if (ref >= c.addrCount) {
            c.err = C.DECODE_ADDRESS_REF;
            return address(0);
        }
        c.used |= uint256(1) << ref;
        return table[ref];
    }
}

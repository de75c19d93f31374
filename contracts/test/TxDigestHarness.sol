// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ChunkCodec} from "../libraries/ChunkCodec.sol";
import {DecodedTx} from "../libraries/RollupTypes.sol";
import {TxDigest} from "../libraries/TxDigest.sol";

/// @title TxDigestHarness
/// @notice Test-only wrapper exposing the EIP-712 digests the verifier recovers signers from, so the
/// shared vectors' transaction hashes (docs/protocol.md section 2.4) are checked against the exact code
/// the Rollup uses. Never deployed on a network; nothing depends on it.
contract TxDigestHarness {
    /// @notice The body does not decode (`err` is the DECODE_* code).
    error BodyDoesNotDecode(uint8 err);

    /// @notice The EIP-712 digest of each transaction of a chunk body, in order.
    /// @param separator the EIP-712 domain separator
    /// @param body a chunk body
    /// @return out the digests
    function digests(bytes32 separator, bytes calldata body) external pure returns (bytes32[] memory out) {
        (uint8 err, DecodedTx[] memory txs) = ChunkCodec.decode(body);
        if (err != 0) revert BodyDoesNotDecode(err);
        out = new bytes32[](txs.length);
        for (uint256 i = 0; i < txs.length; ++i) out[i] = TxDigest.digest(separator, txs[i]);
    }
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ProtocolConstants as C} from "./ProtocolConstants.sol";

/// @title BatchData
/// @notice Structure of posted batch data and the Merkle commitment over its leaves (twin of
/// sequencer/protocol/batch.ts; docs/protocol.md "Batches"). Chunk bodies are hashed, never decoded:
/// a body that does not decode is proven as fraud, not refused here.
///   data  := forcedCount:u16 | forcedPostRoot[forcedCount]:32 | (postRoot:32 | bodyLength:u16 | body)*
///   leaf  := keccak256(preRoot || postRoot || keccak256(body))
library BatchData {
    /// @notice Batch data is structurally malformed at byte `offset`.
    error MalformedBatchData(uint256 offset);
    /// @notice A batch must have 1..MAX_BATCH_LEAVES leaves.
    error BadLeafCount(uint256 count);

    /// @notice The number of forced inbox entries the data declares (at most MAX_BATCH_LEAVES).
    /// Reverts MalformedBatchData(0) when the data is shorter than the count, BadLeafCount(count) when
    /// it declares more than MAX_BATCH_LEAVES.
    /// @param data the batch data
    function forcedCount(bytes calldata data) internal pure returns (uint256) {
        if (data.length < 2) revert MalformedBatchData(0);
        uint256 n = (uint256(uint8(data[0])) << 8) | uint256(uint8(data[1]));
        if (n > C.MAX_BATCH_LEAVES) revert BadLeafCount(n);
        return n;
    }

    /// @notice Leaves of the batch and its post-state root. Reverts MalformedBatchData(offset) at a
    /// truncated forced root (its offset), a truncated chunk header (its offset) or a chunk body length
    /// that is 0, above MAX_CHUNK_BODY_BYTES or past the end (the length field's offset); and
    /// BadLeafCount(count) for no leaves or more than MAX_BATCH_LEAVES (MAX_BATCH_LEAVES + 1).
    /// @param prevRoot the batch's prevRoot (the first leaf's pre-state root)
    /// @param data the batch data, whose forced count is `forcedBodyHashes.length` (see forcedCount)
    /// @param forcedBodyHashes keccak256 of each consumed inbox entry's body, in inbox order
    /// @return out the leaf hashes, in batch order (forced entries first)
    /// @return postRoot the post-state root of the last leaf
    function leaves(bytes32 prevRoot, bytes calldata data, bytes32[] memory forcedBodyHashes)
        internal
        pure
        returns (bytes32[] memory out, bytes32 postRoot)
    {
        uint256 nForced = forcedBodyHashes.length;
        uint256 end = data.length;
        out = allocate(C.MAX_BATCH_LEAVES);
        uint256 n;
        uint256 pos = 2;
        bytes32 pre = prevRoot;
        for (; n < nForced; ++n) {
            if (pos + 32 > end) revert MalformedBatchData(pos);
            bytes32 post = word(data, pos);
            out[n] = leafHash(pre, post, forcedBodyHashes[n]);
            pre = post;
            pos += 32;
        }
        while (pos < end) {
            if (n == C.MAX_BATCH_LEAVES) revert BadLeafCount(n + 1);
            if (pos + 34 > end) revert MalformedBatchData(pos);
            bytes32 post = word(data, pos);
            uint256 len = uint256(word(data, pos + 32)) >> 240;
            pos += 34;
            if (len == 0 || len > C.MAX_CHUNK_BODY_BYTES || pos + len > end) revert MalformedBatchData(pos - 2);
            out[n] = leafHash(pre, post, hashCalldata(data, pos, len));
            unchecked {
                ++n;
            }
            pre = post;
            pos += len;
        }
        if (n == 0) revert BadLeafCount(0);
        assembly ("memory-safe") {
            mstore(out, n)
        }
        postRoot = pre;
    }

    /// @dev The 32 bytes of `data` at `pos` (zero-padded past the end; callers bound `pos`).
    function word(bytes calldata data, uint256 pos) private pure returns (bytes32 w) {
        assembly ("memory-safe") {
            w := calldataload(add(data.offset, pos))
        }
    }

    /// @dev A bytes32 array of `n` slots left uninitialised (every slot used is written before it is read).
    function allocate(uint256 n) private pure returns (bytes32[] memory a) {
        assembly ("memory-safe") {
            a := mload(0x40)
            mstore(a, n)
            mstore(0x40, add(a, mul(add(n, 1), 0x20)))
        }
    }

    function leafHash(bytes32 preRoot, bytes32 postRoot, bytes32 bodyHash) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, preRoot)
            mstore(add(p, 0x20), postRoot)
            mstore(add(p, 0x40), bodyHash)
            h := keccak256(p, 0x60)
        }
    }

    /// @dev keccak256 of `len` bytes of `data` at `pos`, through scratch memory past the free-memory pointer.
    function hashCalldata(bytes calldata data, uint256 pos, uint256 len) private pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            calldatacopy(p, add(data.offset, pos), len)
            h := keccak256(p, len)
        }
    }

    /// @notice Merkle root of the leaves: pairs hashed level by level, an unpaired last node paired with
    /// the zero word, a single leaf its own root. Overwrites `nodes`.
    /// @param nodes the leaves (at least one)
    function merkleRoot(bytes32[] memory nodes) internal pure returns (bytes32) {
        uint256 n = nodes.length;
        while (n > 1) {
            uint256 half = (n + 1) / 2;
            for (uint256 i = 0; i < half; ++i) {
                bytes32 left = nodes[2 * i];
                bytes32 right = 2 * i + 1 < n ? nodes[2 * i + 1] : bytes32(0);
                nodes[i] = hashPair(left, right);
            }
            n = half;
        }
        return nodes[0];
    }

    /// @notice Whether `leaf` sits at `index` of a tree of `count` leaves with root `root`.
    /// @param root the Merkle root (a batch's dataRoot)
    /// @param leaf the leaf hash
    /// @param index the leaf's position; must be below `count`
    /// @param count the number of leaves
    /// @param path the sibling hashes, bottom-up; exactly ceil(log2(count)) of them
    function verifyPath(bytes32 root, bytes32 leaf, uint256 index, uint256 count, bytes32[] calldata path)
        internal
        pure
        returns (bool)
    {
        uint256 depth;
        while ((uint256(1) << depth) < count) ++depth;
        if (path.length != depth || index >= count) return false;
        bytes32 node = leaf;
        for (uint256 i = 0; i < depth; ++i) {
            node = (index >> i) & 1 == 1 ? hashPair(path[i], node) : hashPair(node, path[i]);
        }
        return node == root;
    }

    function hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            mstore(0x00, a)
            mstore(0x20, b)
            h := keccak256(0x00, 0x40)
        }
    }
}

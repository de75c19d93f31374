// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {BatchData} from "../libraries/BatchData.sol";

/// @title BatchDataHarness
/// @notice Test-only wrapper exposing the internal BatchData library, so the shared batch-data vectors
/// (test/vectors/protocol.json, `batchData`) run against the exact code Rollup uses. Never deployed on a
/// network; Rollup does not depend on it.
contract BatchDataHarness {
    /// @notice The vector supplies `given` forced body hashes but the data declares `declared` entries.
    error ForcedHashCountMismatch(uint256 declared, uint256 given);

    /// @notice BatchData.forcedCount.
    /// @param data batch data as posted to Rollup.submitBatch
    /// @return the number of forced inbox entries the data declares
    function forcedCount(bytes calldata data) external pure returns (uint256) {
        return BatchData.forcedCount(data);
    }

    /// @notice What Rollup.submitBatch derives from batch data: BatchData.forcedCount, then
    /// BatchData.leaves and BatchData.merkleRoot, in that order (so the same error surfaces first).
    /// @param prevRoot the tip root the batch builds on
    /// @param data batch data as posted to Rollup.submitBatch
    /// @param forcedBodyHashes keccak256 of each consumed inbox entry's body (Rollup reads them from the inbox)
    /// @return leaves the leaf hashes, in batch order
    /// @return postRoot the state root after the last leaf
    /// @return dataRoot the Merkle root of the leaves
    function derive(bytes32 prevRoot, bytes calldata data, bytes32[] calldata forcedBodyHashes)
        external
        pure
        returns (bytes32[] memory leaves, bytes32 postRoot, bytes32 dataRoot)
    {
        uint256 declared = BatchData.forcedCount(data);
        if (declared != forcedBodyHashes.length) revert ForcedHashCountMismatch(declared, forcedBodyHashes.length);
        bytes32[] memory nodes;
        (nodes, postRoot) = BatchData.leaves(prevRoot, data, forcedBodyHashes);
        leaves = new bytes32[](nodes.length);
        for (uint256 i = 0; i < nodes.length; ++i) leaves[i] = nodes[i];
        dataRoot = BatchData.merkleRoot(nodes);
    }

    /// @notice BatchData.leafHash.
    /// @param preRoot state root before the leaf
    /// @param postRoot state root after the leaf
    /// @param bodyHash keccak256 of the leaf's body
    /// @return the leaf hash
    function leafHash(bytes32 preRoot, bytes32 postRoot, bytes32 bodyHash) external pure returns (bytes32) {
        return BatchData.leafHash(preRoot, postRoot, bodyHash);
    }

    /// @notice BatchData.verifyPath.
    /// @param root the Merkle root
    /// @param leaf the leaf hash
    /// @param index the leaf's position
    /// @param count the number of leaves in the tree
    /// @param path sibling hashes, bottom-up
    /// @return whether the path proves the leaf at the index
    function verifyPath(bytes32 root, bytes32 leaf, uint256 index, uint256 count, bytes32[] calldata path)
        external
        pure
        returns (bool)
    {
        return BatchData.verifyPath(root, leaf, index, count, path);
    }

    /// @notice BatchData.verifyPath for several paths in one call (a 256-leaf vector has 256 of them).
    /// @param root the Merkle root
    /// @param leaves the leaf hash of each path
    /// @param indices the position of each leaf
    /// @param count the number of leaves in the tree
    /// @param paths each leaf's sibling hashes, bottom-up
    /// @return ok whether each path proves its leaf at its index
    function verifyPaths(
        bytes32 root,
        bytes32[] calldata leaves,
        uint256[] calldata indices,
        uint256 count,
        bytes32[][] calldata paths
    ) external pure returns (bool[] memory ok) {
        ok = new bool[](paths.length);
        for (uint256 i = 0; i < paths.length; ++i) {
            ok[i] = BatchData.verifyPath(root, leaves[i], indices[i], count, paths[i]);
        }
    }
}

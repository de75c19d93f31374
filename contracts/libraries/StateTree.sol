// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Witness} from "./RollupTypes.sol";

/// @title StateTree
/// @notice Stateless proofs of the rollup's state tree: verify a key's value against a root and compute
/// the root after writing that key (twin of sequencer/state/proof.ts; docs/protocol.md "State tree").
/// @dev Tree: binary over 256-bit keys (bit 0 = most significant); a subtree with one leaf is that leaf;
/// an empty subtree is zero. leaf = keccak256(0x00 || key || value); node = keccak256(left || right).
/// Canonicality: each access has exactly one witness that verifies (a second encoding of one path
/// could compute a wrong root after a write and convict an honest proposer), so every field a write
/// reads is pinned by verify, in the order the TypeScript twin checks it.
library StateTree {
    /// @notice A witness does not prove what it claims. `reason` says which check failed
    /// (docs/protocol.md section 3.2 lists them; sequencer/state/witness-errors.ts WITNESS_FAULT).
    error InvalidWitness(uint8 reason);

    uint8 internal constant BAD_DEPTH = 1;
    uint8 internal constant BAD_BITMAP = 2;
    uint8 internal constant EMPTY_TERMINAL_WITH_KEY = 3;
    uint8 internal constant TERMINAL_OFF_PATH = 4;
    uint8 internal constant SIBLING_COUNT = 5;
    uint8 internal constant ROOT_MISMATCH = 6;
    uint8 internal constant NEIGHBOUR_MISMATCH = 7;
    uint8 internal constant EMPTY_BOTTOM_SIBLING = 8;
    uint8 internal constant ZERO_SIBLING = 9;
    uint8 internal constant UNEXPECTED_NEIGHBOUR = 10;
    uint8 internal constant NEIGHBOUR_OFF_PATH = 11;

    function hashLeaf(bytes32 key, bytes32 value) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(bytes1(0x00), key, value));
    }

    function hashNode(bytes32 left, bytes32 right) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            mstore(0x00, left)
            mstore(0x20, right)
            h := keccak256(0x00, 0x40)
        }
    }

    function bitAt(bytes32 key, uint256 i) internal pure returns (uint256) {
        return (uint256(key) >> (255 - i)) & 1;
    }

    /// @dev Length of the common bit prefix of two keys (256 when equal).
    function commonPrefixBits(bytes32 a, bytes32 b) internal pure returns (uint256) {
        uint256 x = uint256(a ^ b);
        if (x == 0) return 256;
        return 255 - Math.log2(x);
    }

    function hasSibling(Witness calldata w, uint256 level) private pure returns (bool) {
        return (w.bitmap >> level) & 1 == 1;
    }

    /// @dev Fold `node`, sitting at depth `from`, up to the root with the siblings above it.
    /// `remaining` is the number of siblings (from the top of the list) not yet consumed. A sibling under
    /// a set bit must be non-zero: a zero word there hashes like a clear bit.
    function foldUp(bytes32 key, Witness calldata w, bytes32 node, uint256 from, uint256 remaining)
        private
        pure
        returns (bytes32)
    {
        for (uint256 level = from; level > 0;) {
            unchecked {
                --level;
            }
            bytes32 sib;
            if (hasSibling(w, level)) {
                if (remaining == 0) revert InvalidWitness(SIBLING_COUNT);
                unchecked {
                    --remaining;
                }
                sib = w.siblings[remaining];
                if (sib == bytes32(0)) revert InvalidWitness(ZERO_SIBLING);
            }
            node = bitAt(key, level) == 1 ? hashNode(sib, node) : hashNode(node, sib);
        }
        if (remaining != 0) revert InvalidWitness(SIBLING_COUNT);
        return node;
    }

    /// @notice Verify witness `w` for `key` against `root` (reverts InvalidWitness when it does not prove
    /// it, or is not the one canonical witness of the access).
    /// @param root the state root
    /// @param key the state key accessed
    /// @param w the witness of the access
    /// @param deletes whether the access writes zero to the key: then, if the key exists below the root,
    /// the neighbour preimage is required; otherwise the neighbour fields must be zero
    /// @return exists whether the key is present
    /// @return value its value (zero when absent)
    function verify(bytes32 root, bytes32 key, Witness calldata w, bool deletes)
        internal
        pure
        returns (bool exists, bytes32 value)
    {
        uint256 depth = w.depth;
        if (depth > 256) revert InvalidWitness(BAD_DEPTH);
        if (depth < 256 && (w.bitmap >> depth) != 0) revert InvalidWitness(BAD_BITMAP);
        if (depth > 0 && !hasSibling(w, depth - 1)) revert InvalidWitness(EMPTY_BOTTOM_SIBLING);
        bool empty = w.leafValue == bytes32(0);
        bytes32 bottom;
        if (empty) {
            if (w.leafKey != bytes32(0)) revert InvalidWitness(EMPTY_TERMINAL_WITH_KEY);
        } else {
            if (commonPrefixBits(w.leafKey, key) < depth) revert InvalidWitness(TERMINAL_OFF_PATH);
            bottom = hashLeaf(w.leafKey, w.leafValue);
        }
        if (foldUp(key, w, bottom, depth, w.siblings.length) != root) revert InvalidWitness(ROOT_MISMATCH);
        exists = !empty && w.leafKey == key;
        value = exists ? w.leafValue : bytes32(0);
        checkNeighbour(key, w, deletes && exists && depth > 0);
    }

    /// @dev The neighbour fields: the preimage of the deepest sibling when `needed` (a delete of an
    /// existing key below the root), zero otherwise. A neighbour leaf must be the lone leaf of the
    /// sibling subtree: its key shares exactly the first depth-1 bits with `key`; its value is non-zero.
    function checkNeighbour(bytes32 key, Witness calldata w, bool needed) private pure {
        if (!needed) {
            if (w.neighbourIsLeaf || w.neighbourA != bytes32(0) || w.neighbourB != bytes32(0)) {
                revert InvalidWitness(UNEXPECTED_NEIGHBOUR);
            }
            return;
        }
        bytes32 sibling = w.siblings[w.siblings.length - 1];
        if (!w.neighbourIsLeaf) {
            if (hashNode(w.neighbourA, w.neighbourB) != sibling) revert InvalidWitness(NEIGHBOUR_MISMATCH);
            return;
        }
        if (hashLeaf(w.neighbourA, w.neighbourB) != sibling) revert InvalidWitness(NEIGHBOUR_MISMATCH);
        if (w.neighbourB == bytes32(0) || commonPrefixBits(w.neighbourA, key) != uint256(w.depth) - 1) {
            revert InvalidWitness(NEIGHBOUR_OFF_PATH);
        }
    }

    /// @notice Root after setting `key` to `newValue` (zero deletes), from a witness already verified
    /// (with `deletes` set exactly when `newValue` is zero).
    /// @param key the state key written
    /// @param w its witness, verified against the current root
    /// @param exists whether the key is present (as verify returned)
    /// @param newValue the value to write; zero deletes the key
    function rootAfterWrite(bytes32 key, Witness calldata w, bool exists, bytes32 newValue)
        internal
        pure
        returns (bytes32)
    {
        uint256 n = w.siblings.length;
        bool deleting = newValue == bytes32(0);
        if (exists) {
            if (!deleting) return foldUp(key, w, hashLeaf(key, newValue), w.depth, n);
            return rootAfterDelete(key, w);
        }
        bool emptySlot = w.leafValue == bytes32(0);
        if (deleting) return foldUp(key, w, emptySlot ? bytes32(0) : hashLeaf(w.leafKey, w.leafValue), w.depth, n);
        if (emptySlot) return foldUp(key, w, hashLeaf(key, newValue), w.depth, n);
        // Split: the resident leaf and the new one go down until their keys differ.
        uint256 split = commonPrefixBits(key, w.leafKey);
        bytes32 mine = hashLeaf(key, newValue);
        bytes32 other = hashLeaf(w.leafKey, w.leafValue);
        bytes32 node = bitAt(key, split) == 1 ? hashNode(other, mine) : hashNode(mine, other);
        for (uint256 level = split; level > w.depth;) {
            unchecked {
                --level;
            }
            node = bitAt(key, level) == 1 ? hashNode(bytes32(0), node) : hashNode(node, bytes32(0));
        }
        return foldUp(key, w, node, w.depth, n);
    }

    /// @dev Delete an existing `key` whose witness verify checked with deletes = true (so below the root
    /// the deepest sibling is the verified neighbour).
    function rootAfterDelete(bytes32 key, Witness calldata w) private pure returns (bytes32) {
        uint256 depth = w.depth;
        if (depth == 0) return bytes32(0);
        uint256 n = w.siblings.length;
        if (!w.neighbourIsLeaf) return foldUp(key, w, bytes32(0), depth, n);
        // The lone neighbour leaf rises while the sibling above it is empty (with canonical witnesses a
        // clear bit is exactly an empty subtree).
        uint256 top = depth - 1;
        while (top > 0 && !hasSibling(w, top - 1)) {
            unchecked {
                --top;
            }
        }
        return foldUp(key, w, w.siblings[n - 1], top, n - 1);
    }
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title IRollup
/// @notice What other contracts and off-chain verifiers (gateways, light clients) read from the Rollup:
/// batch roots and their finality.
interface IRollup {
    /// @notice A fraud proof's witness does not prove its access, or is not its one canonical witness
    /// (raised by the verifier, StateTree.InvalidWitness; docs/protocol.md section 3.2 lists `reason`).
    error InvalidWitness(uint8 reason);
    /// @notice A fraud proof carries no witness for access `index` (raised by the verifier).
    error WitnessMissing(uint256 index);
    /// @notice Witness `index` of a fraud proof carries a wrong, missing or unexpected value preimage
    /// (raised by the verifier).
    error PreimageMismatch(uint256 index);
    /// @notice A fraud proof carries `given` witnesses for a leaf that makes `used` accesses (raised by
    /// the verifier).
    error UnusedWitnesses(uint256 used, uint256 given);

    /// @notice A stored batch.
    /// @param headerHash keccak256 of the ABI-encoded BatchHeader
    /// @param postRoot state root after the batch
    /// @param proposer who submitted it (and whose bond answers for it)
    /// @param submittedAt L1 timestamp of submission
    /// @param finalizesAt L1 timestamp from which it is final (no fraud proof accepted)
    struct BatchInfo {
        bytes32 headerHash;
        bytes32 postRoot;
        address proposer;
        uint64 submittedAt;
        uint64 finalizesAt;
    }

    /// @notice Number of live batches (reverted batches are not counted).
    function batchCount() external view returns (uint256);

    /// @notice Batch `index` (reverts if it is not live).
    /// @param index the batch's index
    function batch(uint256 index) external view returns (BatchInfo memory);

    /// @notice The state root after the last live batch (the empty root before any batch).
    function tipRoot() external view returns (bytes32);

    /// @notice Whether batch `index` is live and its challenge period is over.
    /// @param index the batch's index
    function isFinal(uint256 index) external view returns (bool);

    /// @notice The newest final batch: `exists` is false while no batch is final.
    /// @return exists whether any batch is final
    /// @return index the newest final batch's index (0 when none)
    /// @return root its post-state root (zero when none)
    function latestFinalized() external view returns (bool exists, uint256 index, bytes32 root);

    /// @notice The EIP-712 domain separator every rollup transaction is signed under.
    function domainSeparator() external view returns (bytes32);
}

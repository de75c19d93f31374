// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title IForcedInbox
/// @notice The L1 inbox through which anyone can force a signed rollup transaction into the rollup.
interface IForcedInbox {
    /// @notice One queued transaction: the hash of its body (a one-transaction chunk body) and the
    /// latest L1 time by which a batch must have included it.
    struct Entry {
        bytes32 bodyHash;
        uint64 queuedAt;
        uint64 deadline;
    }

    /// @notice Number of transactions ever queued.
    function count() external view returns (uint256);

    /// @notice Entry `index` (reverts if it does not exist).
    /// @param index the entry's index
    function entry(uint256 index) external view returns (Entry memory);
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title IForcedInbox
/// @notice The L1 inbox through which anyone can force a signed rollup transaction into the rollup.
interface IForcedInbox {
    /// @notice The body is not a well-formed chunk body (`decodeError` is the protocol's code).
    error MalformedTransaction(uint8 decodeError);
    /// @notice A queued body must hold exactly one transaction.
    error NotOneTransaction(uint256 count);
    /// @notice There is no entry `index`; `count` entries exist.
    error EntryOutOfRange(uint256 index, uint256 count);
    /// @notice The inclusion window must be positive.
    error InvalidInclusionWindow();

    /// @notice A transaction was queued; `body` is a one-transaction chunk body (docs/protocol.md).
    /// @param index the entry's index (batches consume entries in this order)
    /// @param sender who queued it (not necessarily the transaction's signer)
    /// @param bodyHash keccak256 of `body`, as stored
    /// @param deadline the L1 time by which a batch must include it
    /// @param body the queued chunk body
    event TransactionQueued(
        uint256 indexed index, address indexed sender, bytes32 bodyHash, uint64 deadline, bytes body
    );

    /// @notice One queued transaction: the hash of its body (a one-transaction chunk body) and the
    /// latest L1 time by which a batch must have included it.
    struct Entry {
        bytes32 bodyHash;
        uint64 queuedAt;
        uint64 deadline;
    }

    /// @notice Queue a signed transaction for forced inclusion.
    /// @param body a chunk body holding exactly one transaction (its own address table, the transaction
    /// and its signature), as the SDK's `forcedBody` builds it. Validity under the state rules is not
    /// checked here: an invalid forced transaction is included as a no-op.
    /// @return index the entry's index
    function enqueue(bytes calldata body) external returns (uint256 index);

    /// @notice Seconds a batch has to include a queued transaction.
    function inclusionWindow() external view returns (uint64);

    /// @notice Number of transactions ever queued.
    function count() external view returns (uint256);

    /// @notice Entry `index` (reverts if it does not exist).
    /// @param index the entry's index
    function entry(uint256 index) external view returns (Entry memory);
}

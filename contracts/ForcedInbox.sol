// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IForcedInbox} from "./interfaces/IForcedInbox.sol";
import {ChunkCodec} from "./libraries/ChunkCodec.sol";
import {ProtocolConstants as C} from "./libraries/ProtocolConstants.sol";
import {DecodedTx} from "./libraries/RollupTypes.sol";

/// @title ForcedInbox
/// @notice Anyone may queue a signed rollup transaction here, paying only L1 gas: above all a patient's
/// revocation that the sequencer refuses or cannot take. Each entry must be included, in queue order, by
/// a batch submitted before its deadline (Rollup enforces this); once an entry is overdue, any bonded
/// party may propose batches (docs/protocol.md, "Forced inclusion").
/// @dev Append-only: entries are never modified or removed. Bodies live in the TransactionQueued event
/// (calldata) and only their hash in storage.
contract ForcedInbox is IForcedInbox {
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

    /// @notice Seconds a batch has to include a queued transaction.
    uint64 public immutable inclusionWindow;

    Entry[] private _entries;

    /// @notice Deploy the inbox with its inclusion window (zero reverts InvalidInclusionWindow).
    /// @param inclusionWindow_ seconds after queueing by which a batch must include an entry
    constructor(uint64 inclusionWindow_) {
        if (inclusionWindow_ == 0) revert InvalidInclusionWindow();
        inclusionWindow = inclusionWindow_;
    }

    /// @notice Queue a signed transaction for forced inclusion.
    /// @param body a chunk body holding exactly one transaction (its own address table, the transaction
    /// and its signature), as the SDK's `forcedBody` builds it. Validity under the state rules is not
    /// checked here: an invalid forced transaction is included as a no-op.
    /// @return index the entry's index
    function enqueue(bytes calldata body) external returns (uint256 index) {
        (uint8 err, DecodedTx[] memory txs) = ChunkCodec.decode(body);
        if (err != C.DECODE_OK) revert MalformedTransaction(err);
        if (txs.length != 1) revert NotOneTransaction(txs.length);
        bytes32 bodyHash = keccak256(body);
        uint64 deadline = uint64(block.timestamp) + inclusionWindow;
        index = _entries.length;
        _entries.push(Entry({bodyHash: bodyHash, queuedAt: uint64(block.timestamp), deadline: deadline}));
        emit TransactionQueued(index, msg.sender, bodyHash, deadline, body);
    }

    /// @inheritdoc IForcedInbox
    function count() external view returns (uint256) {
        return _entries.length;
    }

    /// @inheritdoc IForcedInbox
    function entry(uint256 index) external view returns (Entry memory) {
        if (index >= _entries.length) revert EntryOutOfRange(index, _entries.length);
        return _entries[index];
    }
}

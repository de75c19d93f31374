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
/// (calldata) and only their hash in storage. Errors and events are declared on IForcedInbox.
contract ForcedInbox is IForcedInbox {
    /// @inheritdoc IForcedInbox
    uint64 public immutable inclusionWindow;

    Entry[] private _entries;

    /// @notice Deploy the inbox with its inclusion window (zero reverts InvalidInclusionWindow).
    /// @param inclusionWindow_ seconds after queueing by which a batch must include an entry
    constructor(uint64 inclusionWindow_) {
        if (inclusionWindow_ == 0) revert InvalidInclusionWindow();
        inclusionWindow = inclusionWindow_;
    }

    /// @inheritdoc IForcedInbox
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

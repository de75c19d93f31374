// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IRollup} from "../interfaces/IRollup.sol";

/// @title ProposerProxy
/// @notice Test-only contract that bonds itself and submits batches through an internal call, as a
/// multisig or smart-contract wallet would: the Rollup must refuse it (the batch data would not be the
/// transaction's input). Never deployed on a network.
contract ProposerProxy {
    /// @notice The Rollup this proxy calls.
    IRollup public immutable rollup;

    /// @notice A proxy calling `rollup_`.
    /// @param rollup_ the Rollup to call
    constructor(IRollup rollup_) {
        rollup = rollup_;
    }

    /// @notice Deposit the sent ETH as this contract's bond (in the Rollup's bond manager).
    function bond() external payable {
        rollup.bondManager().depositBond{value: msg.value}();
    }

    /// @notice Submit a batch from this contract.
    /// @param prevRoot see Rollup.submitBatch
    /// @param timestamp see Rollup.submitBatch
    /// @param data see Rollup.submitBatch
    /// @return index the new batch's index
    function submit(bytes32 prevRoot, uint64 timestamp, bytes calldata data) external returns (uint256) {
        return rollup.submitBatch(prevRoot, timestamp, data);
    }
}

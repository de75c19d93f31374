// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title ReentrantReceiver
/// @notice Test-only account for payout tests: it calls contracts as a proposer, challenger or treasury
/// would, and when paid either refuses the ETH or calls back into a contract (a reentrancy attempt),
/// recording what that call answered. Never deployed on a network.
contract ReentrantReceiver {
    /// @notice Where a payment makes this contract call back (none: no call).
    address public reentryTarget;
    /// @notice The calldata of that call.
    bytes public reentryData;
    /// @notice Whether payments are refused (with an empty revert).
    bool public refusing;
    /// @notice Whether the last reentrant call succeeded.
    bool public reentered;
    /// @notice The revert data of the last reentrant call (empty when it succeeded or none was made).
    bytes public reentryRevert;
    /// @notice Wei received so far.
    uint256 public received;

    /// @notice Call `target` with `data` and the sent ETH; a revert is bubbled up.
    /// @param target the contract to call
    /// @param data the calldata
    /// @return result what the call returned
    function act(address target, bytes calldata data) external payable returns (bytes memory result) {
        bool ok;
        // solhint-disable-next-line avoid-low-level-calls
        (ok, result) = target.call{value: msg.value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
    }

    /// @notice Call `target` with `data` on every payment from now on (an empty `data` stops it).
    /// @param target the contract to call back
    /// @param data the calldata of the call back
    function setReentry(address target, bytes calldata data) external {
        reentryTarget = target;
        reentryData = data;
    }

    /// @notice Refuse payments from now on (or accept them again).
    /// @param refuse whether to refuse
    function setRefusing(bool refuse) external {
        refusing = refuse;
    }

    // solhint-disable no-complex-fallback
    /// @notice Take a payment: refuse it, or record it and make the reentrant call if one is set.
    receive() external payable {
        if (refusing) revert(); // solhint-disable-line reason-string
        received += msg.value;
        if (reentryData.length == 0) return;
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = reentryTarget.call(reentryData);
        reentered = ok;
        reentryRevert = ok ? bytes("") : ret;
    }
    // solhint-enable no-complex-fallback
}

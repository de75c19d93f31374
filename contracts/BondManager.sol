// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IBondManager} from "./interfaces/IBondManager.sol";

/// @title BondManager
/// @notice The proposers' bonds and the treasury of slashed funds, beside the Rollup's batch log: it
/// holds the ETH. Proposers deposit and withdraw here; the Rollup (the contract that deploys it, in its
/// own constructor) records each accepted batch against its proposer's bond and slashes that bond when a
/// fraud proof succeeds. The treasury is set by the Rollup's admin (DEFAULT_ADMIN_ROLE), so one role
/// administers the whole network.
/// @dev Every ETH transfer is the last step of its function (checks, effects, interactions) and runs
/// under the reentrancy guard. The balance always equals the sum of the bonds + treasuryBalance + burned
/// (plus any ETH forced in without a call).
contract BondManager is IBondManager, ReentrancyGuard {
    // ------------------------------------------------------------------ constants and immutables

    /// @dev The Rollup's admin role (OpenZeppelin AccessControl's DEFAULT_ADMIN_ROLE).
    bytes32 internal constant DEFAULT_ADMIN_ROLE = 0x00;
    /// @dev Basis points in a whole (challengerRewardBps is out of this).
    uint16 internal constant BPS = 10_000;

    /// @inheritdoc IBondManager
    address public immutable rollup;
    /// @inheritdoc IBondManager
    uint256 public immutable bondAmount;
    /// @inheritdoc IBondManager
    uint64 public immutable withdrawalDelay;
    /// @inheritdoc IBondManager
    uint64 public immutable challengePeriod;
    /// @inheritdoc IBondManager
    uint16 public immutable challengerRewardBps;

    // ------------------------------------------------------------------ storage

    /// @dev Whether a bond lets its proposer submit; anything but Bonded names the failing check.
    enum BondStatus {
        Bonded,
        InsufficientBond,
        WithdrawalPending
    }

    /// @notice Parameters of a network's bonds (docs/operations.md), from the Rollup's Config.
    /// @param treasury initial receiver of retained slashed funds (zero: they are burned)
    /// @param bondAmount wei a proposer must hold to submit; nonzero
    /// @param withdrawalDelay seconds between a withdrawal request and the withdrawal (at least)
    /// @param challengePeriod the Rollup's challenge period in seconds; nonzero
    /// @param challengerRewardBps share of a slashed bond paid to the challenger, at most 10,000
    struct Config {
        address treasury;
        uint256 bondAmount;
        uint64 withdrawalDelay;
        uint64 challengePeriod;
        uint16 challengerRewardBps;
    }

    mapping(address proposer => Bond) private _bonds;
    /// @inheritdoc IBondManager
    address public treasury;
    /// @inheritdoc IBondManager
    uint256 public treasuryBalance;
    /// @inheritdoc IBondManager
    uint256 public burned;

    // ------------------------------------------------------------------ constructor

    /// @notice Deploy the bond manager of the calling Rollup (the deployer is the one account that may
    /// record submissions and slash). A bad parameter reverts InvalidConfig.
    /// @param cfg the network's bond parameters (see Config for each field and its valid range)
    constructor(Config memory cfg) {
        if (cfg.challengePeriod == 0) revert InvalidConfig("challengePeriod");
        if (cfg.bondAmount == 0) revert InvalidConfig("bondAmount");
        if (cfg.challengerRewardBps > BPS) revert InvalidConfig("challengerRewardBps");
        rollup = msg.sender;
        bondAmount = cfg.bondAmount;
        withdrawalDelay = cfg.withdrawalDelay;
        challengePeriod = cfg.challengePeriod;
        challengerRewardBps = cfg.challengerRewardBps;
        treasury = cfg.treasury;
        emit TreasuryChanged(address(0), cfg.treasury);
    }

    // ------------------------------------------------------------------ external: proposers

    /// @inheritdoc IBondManager
    function depositBond() external payable {
        Bond storage b = _bonds[msg.sender];
        uint256 bond = uint256(b.amount) + msg.value;
        if (bond > type(uint128).max) revert BondOverflow(msg.sender, bond);
        b.amount = uint128(bond);
        emit BondDeposited(msg.sender, msg.value, bond);
    }

    /// @inheritdoc IBondManager
    function requestWithdrawal() external {
        Bond storage b = _bonds[msg.sender];
        if (b.amount == 0) revert NothingToWithdraw(msg.sender);
        b.withdrawalRequestedAt = uint64(block.timestamp);
        emit WithdrawalRequested(msg.sender, _withdrawalReadyAt(b));
    }

    /// @inheritdoc IBondManager
    function cancelWithdrawal() external {
        Bond storage b = _bonds[msg.sender];
        if (b.withdrawalRequestedAt == 0) revert NothingToWithdraw(msg.sender);
        b.withdrawalRequestedAt = 0;
        emit WithdrawalCancelled(msg.sender);
    }

    /// @inheritdoc IBondManager
    function withdrawBond() external nonReentrant {
        Bond storage b = _bonds[msg.sender];
        if (b.withdrawalRequestedAt == 0 || b.amount == 0) revert NothingToWithdraw(msg.sender);
        uint256 readyAt = _withdrawalReadyAt(b);
        if (block.timestamp < readyAt) revert WithdrawalNotReady(readyAt);
        uint256 amount = b.amount;
        b.amount = 0;
        b.withdrawalRequestedAt = 0;
        emit BondWithdrawn(msg.sender, amount);
        Address.sendValue(payable(msg.sender), amount);
    }

    // ------------------------------------------------------------------ external: treasury

    /// @inheritdoc IBondManager
    function setTreasury(address newTreasury) external {
        if (!IAccessControl(rollup).hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) revert NotRollupAdmin(msg.sender);
        emit TreasuryChanged(treasury, newTreasury);
        treasury = newTreasury;
    }

    /// @inheritdoc IBondManager
    function payTreasury() external nonReentrant {
        address to = treasury;
        uint256 amount = treasuryBalance;
        if (to == address(0) || amount == 0) revert NothingToWithdraw(to);
        treasuryBalance = 0;
        emit TreasuryPaid(to, amount);
        Address.sendValue(payable(to), amount);
    }

    // ------------------------------------------------------------------ external: the Rollup only

    /// @inheritdoc IBondManager
    function recordSubmission(address proposer) external {
        _checkRollup();
        Bond storage b = _bonds[proposer];
        BondStatus status = _status(b);
        if (status == BondStatus.InsufficientBond) revert InsufficientBond(proposer, b.amount, bondAmount);
        if (status == BondStatus.WithdrawalPending) revert WithdrawalPending(proposer);
        b.lastSubmittedAt = uint64(block.timestamp);
    }

    /// @inheritdoc IBondManager
    function slash(address proposer, address challenger)
        external
        nonReentrant
        returns (uint256 slashed, uint256 reward)
    {
        _checkRollup();
        Bond storage b = _bonds[proposer];
        slashed = b.amount;
        reward = slashed * challengerRewardBps / BPS;
        uint256 retained = slashed - reward;
        b.amount = 0;
        bool toTreasury = treasury != address(0);
        if (toTreasury) treasuryBalance += retained;
        else burned += retained;
        emit BondSlashed(proposer, challenger, slashed, reward);
        emit SlashedFundsRetained(toTreasury ? retained : 0, toTreasury ? 0 : retained);
        if (reward > 0) Address.sendValue(payable(challenger), reward);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IBondManager
    function bondOf(address proposer) external view returns (Bond memory) {
        return _bonds[proposer];
    }

    /// @inheritdoc IBondManager
    function isBonded(address proposer) external view returns (bool) {
        return _status(_bonds[proposer]) == BondStatus.Bonded;
    }

    // ------------------------------------------------------------------ internal

    /// @dev Reverts NotRollup unless the caller is the Rollup.
    function _checkRollup() private view {
        if (msg.sender != rollup) revert NotRollup(msg.sender);
    }

    /// @dev The one rule of what a bond must be for its proposer to submit: at least bondAmount, no
    /// pending withdrawal; checked in that order (isBonded and recordSubmission).
    function _status(Bond storage b) private view returns (BondStatus) {
        if (b.amount < bondAmount) return BondStatus.InsufficientBond;
        if (b.withdrawalRequestedAt != 0) return BondStatus.WithdrawalPending;
        return BondStatus.Bonded;
    }

    /// @dev The L1 time from which a requested withdrawal may be made: withdrawalDelay after the request
    /// and challengePeriod after the proposer's last batch, whichever is later.
    function _withdrawalReadyAt(Bond storage b) private view returns (uint256) {
        uint256 a = uint256(b.withdrawalRequestedAt) + withdrawalDelay;
        uint256 c = uint256(b.lastSubmittedAt) + challengePeriod;
        return a > c ? a : c;
    }
}

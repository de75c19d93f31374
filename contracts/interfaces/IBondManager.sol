// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title IBondManager
/// @notice Proposers' bonds and the treasury of slashed funds, kept beside the Rollup's batch log
/// (docs/protocol.md sections 7.4 and 9, docs/operations.md section 2). A proposer deposits a bond, may
/// withdraw it after a delay and once every batch it answers for is final; a proven fraud slashes all of
/// it, a share paid to the challenger and the rest kept for the treasury or burned. Only the Rollup that
/// deployed the bond manager records submissions and slashes.
interface IBondManager {
    // ------------------------------------------------------------------ errors

    /// @notice A configuration value is out of range (`field` names it).
    error InvalidConfig(string field);
    /// @notice Only the Rollup may call this; `caller` is not it.
    error NotRollup(address caller);
    /// @notice Only an account holding the Rollup's DEFAULT_ADMIN_ROLE may call this; `account` does not.
    error NotRollupAdmin(address account);
    /// @notice The proposer's bond is below the required amount.
    error InsufficientBond(address proposer, uint256 bond, uint256 required);
    /// @notice The proposer has asked to withdraw its bond and may not propose until it cancels.
    error WithdrawalPending(address proposer);
    /// @notice A deposit would take `proposer`'s bond to `bond`, beyond what a bond holds (2^128 - 1 wei).
    error BondOverflow(address proposer, uint256 bond);
    /// @notice No bond to withdraw, or no withdrawal requested (or, for payTreasury, no treasury or
    /// nothing set aside: `account` is then the treasury).
    error NothingToWithdraw(address account);
    /// @notice The bond can be withdrawn from `readyAt` on.
    error WithdrawalNotReady(uint256 readyAt);
    /// @notice A payment failed without a reason of its own (OpenZeppelin's Errors.FailedCall, raised by
    /// Address.sendValue; a receiver that reverts with a reason has that reason bubbled up instead).
    error FailedCall();
    /// @notice A payment of `needed` wei exceeds the contract's balance (OpenZeppelin's
    /// Errors.InsufficientBalance, raised by Address.sendValue; never expected: the balance always covers
    /// the bonds, the treasury's share and the burned funds).
    error InsufficientBalance(uint256 balance, uint256 needed);

    // ------------------------------------------------------------------ events

    /// @notice `amount` was added to `proposer`'s bond, which is now `bond`.
    /// @param proposer whose bond grew
    /// @param amount wei added
    /// @param bond the bond after the deposit, in wei
    event BondDeposited(address indexed proposer, uint256 amount, uint256 bond);
    /// @notice `proposer` asked to withdraw its bond; it can from `readyAt` on.
    /// @param proposer who asked
    /// @param readyAt the L1 time from which withdrawBond succeeds
    event WithdrawalRequested(address indexed proposer, uint256 readyAt);
    /// @notice `proposer` cancelled its withdrawal request (and may propose again).
    /// @param proposer who cancelled
    event WithdrawalCancelled(address indexed proposer);
    /// @notice `proposer` withdrew its whole bond.
    /// @param proposer who withdrew
    /// @param amount wei sent to it
    event BondWithdrawn(address indexed proposer, uint256 amount);
    /// @notice The Rollup slashed `proposer`'s whole bond for a proven fraud; `reward` of it was paid to
    /// `challenger` (the Rollup's FraudProven event of the same transaction names the fraud).
    /// @param proposer whose bond was slashed
    /// @param challenger who proved the fraud and was paid `reward`
    /// @param slashed the whole bond, in wei
    /// @param reward the part of it paid to the challenger
    event BondSlashed(address indexed proposer, address indexed challenger, uint256 slashed, uint256 reward);
    /// @notice Slashed funds not paid to challengers: to the treasury, or burned when there is none.
    /// @param toTreasury wei set aside for the treasury (treasuryBalance)
    /// @param burned wei locked in the contract for good
    event SlashedFundsRetained(uint256 toTreasury, uint256 burned);
    /// @notice The receiver of retained slashed funds changed (zero: they are burned).
    /// @param previous the former treasury (zero at deployment)
    /// @param current the new treasury
    event TreasuryChanged(address indexed previous, address indexed current);
    /// @notice The treasury was paid what slashing had set aside for it.
    /// @param treasury the receiver
    /// @param amount wei sent
    event TreasuryPaid(address indexed treasury, uint256 amount);

    // ------------------------------------------------------------------ types

    /// @notice A proposer's bond (one storage slot).
    /// @param amount wei held; all of it is slashed by a successful fraud proof against the proposer
    /// @param withdrawalRequestedAt L1 time of the pending withdrawal request, 0 when there is none
    /// @param lastSubmittedAt L1 time of the proposer's last batch (its bond answers for it until final)
    struct Bond {
        uint128 amount;
        uint64 withdrawalRequestedAt;
        uint64 lastSubmittedAt;
    }

    // ------------------------------------------------------------------ proposers

    /// @notice Add the sent ETH to the caller's bond.
    function depositBond() external payable;

    /// @notice Start the withdrawal of the caller's whole bond. The caller may not propose until it
    /// withdraws or cancels; the bond is released once withdrawalDelay has passed since this request and
    /// challengePeriod since the caller's last batch (so every batch it answers for is final or reverted).
    function requestWithdrawal() external;

    /// @notice Cancel a pending withdrawal request.
    function cancelWithdrawal() external;

    /// @notice Withdraw the caller's whole bond after a request has matured.
    function withdrawBond() external;

    // ------------------------------------------------------------------ treasury

    /// @notice Set where slashed funds not paid to challengers go (zero: they are burned). Only an account
    /// holding the Rollup's DEFAULT_ADMIN_ROLE may call this.
    /// @param newTreasury the new receiver (funds already set aside follow it: payTreasury pays the current one)
    function setTreasury(address newTreasury) external;

    /// @notice Pay the treasury what slashing has set aside for it (anyone may call).
    function payTreasury() external;

    // ------------------------------------------------------------------ the Rollup only

    /// @notice Check that `proposer` is bonded (at least bondAmount, no pending withdrawal) and record the
    /// L1 time as its last submission. Called by the Rollup as it accepts a batch from `proposer` (so a
    /// batch the Rollup then refuses records nothing); reverts InsufficientBond or WithdrawalPending.
    /// No event of its own: the Rollup's BatchSubmitted of the same transaction records the submission.
    /// @param proposer the account submitting the batch
    function recordSubmission(address proposer) external;

    /// @notice Slash `proposer`'s whole bond for a fraud the Rollup has proven: challengerRewardBps of it
    /// is paid to `challenger`, the rest set aside for the treasury (burned when there is none).
    /// @param proposer the proposer of the fraudulent batch
    /// @param challenger who proved the fraud
    /// @return slashed the whole bond taken, in wei (0 when the proposer held none)
    /// @return reward the part of it paid to the challenger
    function slash(address proposer, address challenger) external returns (uint256 slashed, uint256 reward);

    // ------------------------------------------------------------------ views

    /// @notice The Rollup this bond manager answers to (the contract that deployed it).
    function rollup() external view returns (address);

    /// @notice Bond a proposer must hold to submit, in wei.
    function bondAmount() external view returns (uint256);

    /// @notice Seconds between a withdrawal request and the withdrawal (at least).
    function withdrawalDelay() external view returns (uint64);

    /// @notice The Rollup's challenge period: a bond is held this long after its proposer's last batch.
    function challengePeriod() external view returns (uint64);

    /// @notice Share of a slashed bond paid to the challenger, in basis points.
    function challengerRewardBps() external view returns (uint16);

    /// @notice Receiver of slashed funds not paid to challengers (zero: they are burned).
    function treasury() external view returns (address);

    /// @notice Slashed funds held for the treasury, in wei.
    function treasuryBalance() external view returns (uint256);

    /// @notice Slashed funds locked forever (no treasury was set when they were slashed), in wei.
    function burned() external view returns (uint256);

    /// @notice A proposer's bond: amount, pending withdrawal request time (0: none), last submission.
    /// @param proposer the account asked about
    function bondOf(address proposer) external view returns (Bond memory);

    /// @notice Whether `proposer` holds at least bondAmount and has no pending withdrawal (the bond half of
    /// Rollup.canPropose).
    /// @param proposer the account asked about
    function isBonded(address proposer) external view returns (bool);
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Witness} from "../libraries/RollupTypes.sol";

/// @title IChunkVerifier
/// @notice Stateless re-execution of one leaf (chunk or forced inbox entry) of a batch from witnesses,
/// and the judgement of a proposer's claim about it. A malformed body is not an error (it is judged
/// Undecodable); the errors below are about the witnesses, raised by the libraries that check them
/// (StateTree, Transition) and declared here so that the interface's ABI names every revert.
interface IChunkVerifier {
    /// @notice A witness does not prove its access, or is not its one canonical witness
    /// (StateTree.InvalidWitness; docs/protocol.md section 3.2 lists `reason`).
    error InvalidWitness(uint8 reason);
    /// @notice No witness was presented for access `index` (Transition.WitnessMissing).
    error WitnessMissing(uint256 index);
    /// @notice Witness `index` carries a wrong, missing or unexpected value preimage
    /// (Transition.PreimageMismatch).
    error PreimageMismatch(uint256 index);
    /// @notice `given` witnesses were presented for a leaf that makes `used` accesses
    /// (Transition.UnusedWitnesses).
    error UnusedWitnesses(uint256 used, uint256 given);

    /// @notice The outcome of re-executing a chunk.
    /// @param decodeError 0 if the body decodes, else the DECODE_* code (nothing was executed)
    /// @param reason 0 if every executed transaction was valid, else the REJECT_* code of the first invalid one
    /// @param txIndex index of the first invalid transaction, or the number of transactions executed
    /// @param txCount number of transactions in the chunk
    /// @param root state root after the valid transactions executed (the root before the invalid one, if any)
    struct Verdict {
        uint8 decodeError;
        uint8 reason;
        uint32 txIndex;
        uint32 txCount;
        bytes32 root;
    }

    /// @notice Kinds of fraud a leaf can hold (0 = none). Stable codes, as in sequencer/state/fraud.ts.
    enum FraudKind {
        None,
        WrongRoot,
        InvalidSignature,
        RuleViolation,
        Undecodable,
        MalformedBlob
    }

    /// @notice Decode a chunk body; returns 0 if it decodes, else the protocol's decode-error code.
    /// @param body the chunk body
    function decodeError(bytes calldata body) external pure returns (uint8);

    /// @notice Re-execute the first `txLimit` transactions of a chunk (all of them if it is larger),
    /// stopping at the first invalid one. Reverts if a witness does not prove its access, is not its
    /// access's one canonical witness, or is left over (UnusedWitnesses).
    /// @param domainSeparator the EIP-712 domain the transactions are signed under (Rollup.domainSeparator)
    /// @param registrar the account whose RegisterVault transactions count (Rollup.registrar)
    /// @param timestamp the batch timestamp expiries are judged against
    /// @param preRoot the state root before the chunk
    /// @param body the chunk body
    /// @param witnesses state witnesses of every access the executed transactions make, in order
    /// @param txLimit how many transactions to execute at most
    function execute(
        bytes32 domainSeparator,
        address registrar,
        uint64 timestamp,
        bytes32 preRoot,
        bytes calldata body,
        Witness[] calldata witnesses,
        uint256 txLimit
    ) external pure returns (Verdict memory);

    /// @notice Re-execute a whole leaf and judge the proposer's claimed post-root: a regular chunk must
    /// decode, hold only valid transactions and end at `claimedPostRoot`; a forced leaf (an inbox entry,
    /// where an invalid transaction is a no-op) must end at `claimedPostRoot`.
    /// @param domainSeparator the EIP-712 domain the transactions are signed under (Rollup.domainSeparator)
    /// @param registrar the account whose RegisterVault transactions count (Rollup.registrar)
    /// @param timestamp the batch timestamp expiries are judged against
    /// @param preRoot the state root before the leaf
    /// @param claimedPostRoot the post-root the proposer posted for the leaf
    /// @param body the leaf's body (a chunk, or a forced inbox entry's body)
    /// @param witnesses state witnesses of every access the leaf's transactions make, in order
    /// @param forced whether the leaf is a forced inbox entry
    /// @return kind the fraud the claim amounts to (None when it is correct)
    /// @return verdict the outcome of re-executing the leaf
    function judge(
        bytes32 domainSeparator,
        address registrar,
        uint64 timestamp,
        bytes32 preRoot,
        bytes32 claimedPostRoot,
        bytes calldata body,
        Witness[] calldata witnesses,
        bool forced
    ) external pure returns (FraudKind kind, Verdict memory verdict);
}

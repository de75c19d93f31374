// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IChunkVerifier} from "./interfaces/IChunkVerifier.sol";
import {ChunkCodec} from "./libraries/ChunkCodec.sol";
import {ProtocolConstants as C} from "./libraries/ProtocolConstants.sol";
import {DecodedTx, Witness} from "./libraries/RollupTypes.sol";
import {Transition} from "./libraries/Transition.sol";

/// @title ChunkVerifier
/// @notice Stateless verifier of one leaf of a batch: decodes it, re-executes its transactions against
/// witnesses and judges the proposer's claim (twin of sequencer/state/chunk.ts and
/// sequencer/prove/judge.ts). It holds no state and trusts no caller; the Rollup calls it when a fraud
/// proof is presented, and challengers call it (eth_call) to check a proof before sending it. The
/// witness errors its libraries raise are declared on IChunkVerifier.
contract ChunkVerifier is IChunkVerifier {
    /// @inheritdoc IChunkVerifier
    function decodeError(bytes calldata body) external pure returns (uint8 err) {
        (err,) = ChunkCodec.decode(body);
    }

    /// @inheritdoc IChunkVerifier
    function execute(
        bytes32 domainSeparator,
        address registrar,
        uint64 timestamp,
        bytes32 preRoot,
        bytes calldata body,
        Witness[] calldata witnesses,
        uint256 txLimit
    ) external pure returns (Verdict memory v) {
        return run(Transition.Env({separator: domainSeparator, registrar: registrar, timestamp: timestamp, root: preRoot, next: 0}), body, witnesses, txLimit);
    }

    /// @inheritdoc IChunkVerifier
    function judge(
        bytes32 domainSeparator,
        address registrar,
        uint64 timestamp,
        bytes32 preRoot,
        bytes32 claimedPostRoot,
        bytes calldata body,
        Witness[] calldata witnesses,
        bool forced
    ) external pure returns (FraudKind kind, Verdict memory v) {
        Transition.Env memory env =
            Transition.Env({separator: domainSeparator, registrar: registrar, timestamp: timestamp, root: preRoot, next: 0});
        v = run(env, body, witnesses, type(uint256).max);
        if (v.decodeError != C.DECODE_OK) return (FraudKind.Undecodable, v);
        if (v.reason != C.OK && !forced) {
            bool signatureFault = v.reason == C.REJECT_BAD_SIGNATURE || v.reason == C.REJECT_UNAUTHORIZED;
            return (signatureFault ? FraudKind.InvalidSignature : FraudKind.RuleViolation, v);
        }
        return (v.root == claimedPostRoot ? FraudKind.None : FraudKind.WrongRoot, v);
    }

    /// @dev Decode and execute up to `txLimit` transactions from `env` (its root the leaf's pre-root, no
    /// witness used yet), stopping at the first invalid one; every witness presented must be consumed
    /// (UnusedWitnesses), so a proof has exactly one form.
    function run(Transition.Env memory env, bytes calldata body, Witness[] calldata witnesses, uint256 txLimit)
        private
        pure
        returns (Verdict memory v)
    {
        (uint8 err, DecodedTx[] memory txs) = ChunkCodec.decode(body);
        v.root = env.root;
        if (err != C.DECODE_OK) {
            if (witnesses.length != 0) revert Transition.UnusedWitnesses(0, witnesses.length);
            v.decodeError = err;
            return v;
        }
        v.txCount = uint32(txs.length);
        uint256 limit = txLimit < txs.length ? txLimit : txs.length;
        v.txIndex = uint32(limit);
        for (uint256 i = 0; i < limit; ++i) {
            bytes32 before = env.root;
            uint8 reason = Transition.applyTx(env, txs[i], witnesses);
            if (reason != C.OK) {
                v.reason = reason;
                v.txIndex = uint32(i);
                env.root = before;
                break;
            }
        }
        Transition.requireAllUsed(env, witnesses);
        v.root = env.root;
    }
}

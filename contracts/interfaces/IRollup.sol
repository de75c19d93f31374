// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {BlobLeafRef, BlobRange} from "../libraries/BlobLayout.sol";
import {BatchHeader, ChunkRef, Witness} from "../libraries/RollupTypes.sol";
import {IBondManager} from "./IBondManager.sol";
import {IChunkVerifier} from "./IChunkVerifier.sol";
import {IForcedInbox} from "./IForcedInbox.sol";

/// @title IRollup
/// @notice The Rollup's batch log and fraud dispatch as callers see it: bonded proposers submit batches,
/// anyone proves fraud against a non-final one, and gateways, light clients and other contracts read
/// batch roots and their finality. Every error a call to the Rollup can revert with is declared here,
/// those raised by the contracts it calls (the verifier, the bond manager) included, so that the
/// interface's ABI names every revert; OpenZeppelin's ReentrancyGuardReentrantCall (a fraud proof sent
/// from inside another one) is the exception, as Solidity does not let an interface declare it beside the
/// ReentrancyGuard the Rollup inherits. docs/protocol.md is the specification.
interface IRollup is IAccessControl {
    // ------------------------------------------------------------------ errors: the Rollup's own

    /// @notice A configuration value is out of range (`field` names it).
    error InvalidConfig(string field);
    /// @notice `account` may not propose now: it lacks PROPOSER_ROLE and no inbox entry is overdue.
    error NotProposer(address account);
    /// @notice `account` is not an externally owned account calling submitBatch itself (it has code, or
    /// the call comes from a contract): the batch data must be its transaction's own input, which every
    /// challenger can read from any L1 node without tracing internal calls.
    error ProposerNotExternallyOwned(address account);
    /// @notice The batch does not build on the current tip.
    error PrevRootMismatch(bytes32 tip, bytes32 given);
    /// @notice The batch timestamp is later than the L1 block's.
    error TimestampInFuture(uint64 timestamp, uint256 blockTimestamp);
    /// @notice The batch timestamp is older than the L1 time allows (`minimum`).
    error TimestampTooOld(uint64 timestamp, uint256 minimum);
    /// @notice The batch timestamp is before the previous batch's or a consumed inbox entry's queue time.
    error TimestampTooEarly(uint64 timestamp, uint64 minimum);
    /// @notice The batch consumes inbox entries that do not exist (`available` exist).
    error InboxEntryMissing(uint256 wanted, uint256 available);
    /// @notice Inbox entry `index` is due (deadline passed) and the batch does not include it.
    error InboxEntryDue(uint256 index, uint64 deadline);
    /// @notice No live batch has index `index`.
    error BatchNotLive(uint256 index);
    /// @notice The presented header is not the one stored for batch `index`.
    error HeaderMismatch(uint256 index);
    /// @notice Batch `index` is final; fraud proofs are no longer accepted.
    error BatchFinalized(uint256 index);
    /// @notice The presented chunk is not leaf `index` of the batch.
    error ChunkNotInBatch(uint32 index);
    /// @notice A fraud proof must name a fraud kind.
    error NoFraudClaimed();
    /// @notice Wrong-root claim against a leaf whose root is correct.
    error ChunkRootCorrect(bytes32 root);
    /// @notice Undecodable claim against a chunk that decodes.
    error ChunkDecodes();
    /// @notice Invalid-transaction claim against a chunk whose transactions are all valid.
    error TransactionsValid();
    /// @notice Invalid-transaction claim against a forced leaf: an invalid forced transaction is a no-op.
    error ForcedTransactionIsNoOp(uint8 reason);
    /// @notice The leaf holds fraud, but of another kind than claimed.
    error FraudKindMismatch(IChunkVerifier.FraudKind claimed, IChunkVerifier.FraudKind actual);
    /// @notice The leaf's execution stops at `actual` (its first invalid transaction, else its
    /// transaction count; 0 when it does not decode), not at the claimed index.
    error WrongTransactionIndex(uint32 claimed, uint32 actual);

    /// @notice The transaction carries `carried` blobs (counting leading non-zero blobhash up to
    /// `expected` + 1) where the batch needs exactly `expected` (0 for a calldata batch).
    error BlobCountMismatch(uint256 expected, uint256 carried);
    /// @notice The versioned hashes a blob proof presents are not those batch `index` recorded.
    error BlobHashesMismatch(uint256 index);
    /// @notice A blob proof's forced body is not inbox entry `inboxStart + index`'s (or a chunk's is not empty).
    error ForcedBodyMismatch(uint256 index);
    /// @notice proveMalformedBlob: the opened field elements of slot `slot` show no failure.
    error BlobSlotWellFormed(uint256 slot);

    // ------------------------------------------------------------------ errors: raised by its libraries

    /// @notice The batch data is structurally malformed at byte `offset` (raised by BatchData at
    /// submission; docs/protocol.md section 7.1).
    error MalformedBatchData(uint256 offset);
    /// @notice The batch data holds `count` leaves, outside 1..256 (raised by BatchData at submission).
    error BadLeafCount(uint256 count);
    /// @notice A value does not fit `bits` bits (OpenZeppelin's SafeCast, in `batch`; not expected with
    /// any challenge period a deployment accepts).
    error SafeCastOverflowedUintDowncast(uint8 bits, uint256 value);

    /// @notice A blob batch's slot breaks the layout at field element `fe` (BlobLayout; code SCAN_*):
    /// prove it with proveMalformedBlob.
    error BlobSlotMalformed(uint256 slot, uint256 fe, uint8 code);
    /// @notice A blob range does not open exactly the field elements the proof needs (BlobLayout).
    error BlobRangeMismatch(uint256 start, uint256 count);
    /// @notice The point-evaluation precompile refused the opening of batch field element `fe` (BlobLayout).
    error InvalidBlobOpening(uint256 fe);
    /// @notice Too little gas was left to open batch field element `fe` (BlobLayout).
    error OpeningOutOfGas(uint256 fe);

    // ------------------------------------------------------------------ errors: raised by the bond manager

    /// @notice The proposer's bond is below the required amount (raised by the bond manager at submission).
    error InsufficientBond(address proposer, uint256 bond, uint256 required);
    /// @notice The proposer has asked to withdraw its bond and may not propose until it cancels (raised by
    /// the bond manager at submission).
    error WithdrawalPending(address proposer);
    /// @notice Paying a fraud proof's challenger failed without a reason (raised by the bond manager: the
    /// challenger refuses ETH; a challenger that reverts with a reason has that reason bubbled up instead).
    error FailedCall();

    // ------------------------------------------------------------------ errors: raised by the verifier

    /// @notice A fraud proof's witness does not prove its access, or is not its one canonical witness
    /// (raised by the verifier, StateTree.InvalidWitness; docs/protocol.md section 3.2 lists `reason`).
    error InvalidWitness(uint8 reason);
    /// @notice A fraud proof carries no witness for access `index` (raised by the verifier).
    error WitnessMissing(uint256 index);
    /// @notice Witness `index` of a fraud proof carries a wrong, missing or unexpected value preimage
    /// (raised by the verifier).
    error PreimageMismatch(uint256 index);
    /// @notice A fraud proof carries `given` witnesses for a leaf that makes `used` accesses (raised by
    /// the verifier).
    error UnusedWitnesses(uint256 used, uint256 given);

    // ------------------------------------------------------------------ events

    /// @notice A batch was accepted. Its data is the calldata of the transaction that emitted this.
    /// @param index the batch's index
    /// @param proposer who submitted it (its bond answers for the batch)
    /// @param headerHash keccak256 of the ABI-encoded header, as stored
    /// @param header the batch header, which fraud proofs present back
    event BatchSubmitted(uint256 indexed index, address indexed proposer, bytes32 headerHash, BatchHeader header);
    /// @notice Batch `index` carries its data in the blobs of the transaction that emitted this
    /// (docs/protocol.md section 7.7); emitted right after its BatchSubmitted.
    /// @param index the batch's index
    /// @param versionedHashes blobhash(0 .. n-1) of the transaction, in order
    event BlobBatchSubmitted(uint256 indexed index, bytes32[] versionedHashes);
    /// @notice Batches [fromIndex, toIndex) were deleted by a fraud proof; the tip is `tipRoot` again.
    /// @param fromIndex the fraudulent batch (the first one deleted)
    /// @param toIndex the batch count before the proof (one past the last one deleted)
    /// @param tipRoot the state root the next batch must build on
    event BatchesReverted(uint256 indexed fromIndex, uint256 toIndex, bytes32 tipRoot);
    /// @notice Fraud was proven in batch `batchIndex`, leaf `chunkIndex` (transaction `txIndex` for
    /// invalid transactions; `code` is the REJECT_/DECODE_ code).
    /// @param batchIndex the fraudulent batch
    /// @param kind the fraud proven
    /// @param chunkIndex the fraudulent leaf of the batch
    /// @param txIndex the first invalid transaction of the leaf (InvalidSignature, RuleViolation), else as judged
    /// @param code the REJECT_* code (invalid transaction) or DECODE_* code (Undecodable), else 0
    /// @param proposer the slashed proposer
    /// @param challenger who proved the fraud (and was paid `reward`)
    /// @param slashed the whole bond the proposer lost
    /// @param reward the part of it paid to the challenger
    event FraudProven(
        uint256 indexed batchIndex,
        IChunkVerifier.FraudKind kind,
        uint32 chunkIndex,
        uint32 txIndex,
        uint8 code,
        address indexed proposer,
        address indexed challenger,
        uint256 slashed,
        uint256 reward
    );

    // ------------------------------------------------------------------ types

    /// @notice A stored batch.
    /// @param headerHash keccak256 of the ABI-encoded BatchHeader
    /// @param postRoot state root after the batch
    /// @param proposer who submitted it (and whose bond answers for it)
    /// @param submittedAt L1 timestamp of submission
    /// @param finalizesAt L1 timestamp from which it is final (no fraud proof accepted)
    struct BatchInfo {
        bytes32 headerHash;
        bytes32 postRoot;
        address proposer;
        uint64 submittedAt;
        uint64 finalizesAt;
    }

    // ------------------------------------------------------------------ batches and fraud proofs

    /// @notice Submit a batch building on the current tip. The caller must be an externally owned
    /// account (no code) sending this call as its transaction, so that the batch data is the
    /// transaction's input, and bonded in the bond manager.
    /// @param prevRoot the tip root the batch builds on (guards against racing submissions)
    /// @param timestamp the batch timestamp: expiries are judged against it; within
    /// [block.timestamp - maxTimestampLag, block.timestamp] and not before the previous batch's
    /// @param data the batch data (docs/protocol.md "Batches"): the post-roots of the forced inbox
    /// entries it consumes (the next ones in the inbox, every due one included), then its chunks
    /// @return index the new batch's index
    function submitBatch(bytes32 prevRoot, uint64 timestamp, bytes calldata data) external returns (uint256 index);

    /// @notice Prove that leaf `chunk.index` of a live, non-final batch is fraudulent. On success the
    /// batch's proposer loses its bond in the bond manager (challengerRewardBps of it paid to the caller),
    /// and the batch and every later one are reverted.
    /// @param claimed the fraud kind being proven (WrongRoot, InvalidSignature, RuleViolation, Undecodable)
    /// @param header the batch's header as emitted in BatchSubmitted
    /// @param chunk the leaf: body, pre/post roots and Merkle path in the batch's dataRoot
    /// @param witnesses state witnesses of every access the leaf's transactions make, in order
    /// @param txIndex where the leaf's execution stops: the index of the first invalid transaction,
    /// else the number of transactions (0 for Undecodable); any other value reverts WrongTransactionIndex
    function proveFraud(
        IChunkVerifier.FraudKind claimed,
        BatchHeader calldata header,
        ChunkRef calldata chunk,
        Witness[] calldata witnesses,
        uint32 txIndex
    ) external;

    /// @notice Submit a batch whose data is in the blobs of this type-3 transaction (docs/protocol.md
    /// section 7.7): one slot of 32 field elements per leaf, ceil(leafCount / 128) blobs exactly. Same
    /// proposer, prevRoot, inbox and timestamp rules as submitBatch.
    /// @param prevRoot the tip root the batch builds on
    /// @param timestamp the batch timestamp (as for submitBatch)
    /// @param forcedCount the inbox entries the batch consumes (its first leaves)
    /// @param leafCount the batch's leaves, forced ones included: forcedCount..768, at least 1
    /// @param postRoot the state root after the batch (the last slot's post-root must equal it)
    /// @return index the new batch's index
    function submitBlobBatch(bytes32 prevRoot, uint64 timestamp, uint32 forcedCount, uint32 leafCount, bytes32 postRoot)
        external
        returns (uint256 index);

    /// @notice proveFraud for a leaf of a blob batch: the leaf's pre-root, post-root and body are opened
    /// from the batch's blobs with the point-evaluation precompile instead of a Merkle path.
    /// @param claimed the fraud kind being proven (WrongRoot, InvalidSignature, RuleViolation, Undecodable)
    /// @param header the batch's header as emitted in BatchSubmitted
    /// @param leaf the leaf's index, the batch's versioned hashes, the openings and a forced leaf's body
    /// @param witnesses state witnesses of every access the leaf's transactions make, in order
    /// @param txIndex where the leaf's execution stops (as for proveFraud)
    function proveBlobFraud(
        IChunkVerifier.FraudKind claimed,
        BatchHeader calldata header,
        BlobLeafRef calldata leaf,
        Witness[] calldata witnesses,
        uint32 txIndex
    ) external;

    /// @notice Prove that slot `slot` of a blob batch breaks the layout (kind MalformedBlob): `range`
    /// opens the slot's field elements 0..f, f being where its first failure is.
    /// @param header the batch's header as emitted in BatchSubmitted
    /// @param versionedHashes the batch's versioned hashes (BlobBatchSubmitted)
    /// @param slot the malformed slot, below 128 times the number of blobs
    /// @param range the openings of the slot's field elements 0..f
    function proveMalformedBlob(
        BatchHeader calldata header,
        bytes32[] calldata versionedHashes,
        uint32 slot,
        BlobRange calldata range
    ) external;

    // ------------------------------------------------------------------ views

    /// @notice Role of the sequencer's proposers: they may submit batches (while bonded) at any time;
    /// anyone else only while an inbox entry is overdue. Granted by DEFAULT_ADMIN_ROLE.
    function PROPOSER_ROLE() external view returns (bytes32);

    /// @notice The stateless verifier fraud proofs are judged by (re-executes one leaf from witnesses).
    function verifier() external view returns (IChunkVerifier);

    /// @notice The forced-inclusion inbox whose entries batches must consume in order, by their deadlines.
    function inbox() external view returns (IForcedInbox);

    /// @notice The bond manager holding the proposers' bonds and the treasury (deployed by the Rollup).
    function bondManager() external view returns (IBondManager);

    /// @notice Seconds after submission during which a batch can be proven fraudulent.
    function challengePeriod() external view returns (uint64);

    /// @notice How far (seconds) a batch timestamp may lag the L1 block's.
    function maxTimestampLag() external view returns (uint64);

    /// @notice The network's registrar: the one account whose RegisterVault transactions register (and
    /// remove) the vaults allowed to write patients' access logs (docs/protocol.md section 4). Fixed at
    /// deployment, because every fraud proof re-executes batches under it, old ones included.
    function registrar() external view returns (address);

    /// @notice Inbox entries consumed by live batches.
    function inboxConsumed() external view returns (uint256);

    /// @notice Number of live batches (reverted batches are not counted).
    function batchCount() external view returns (uint256);

    /// @notice Batch `index` (reverts if it is not live).
    /// @param index the batch's index
    function batch(uint256 index) external view returns (BatchInfo memory);

    /// @notice The state root after the last live batch (the empty root before any batch).
    function tipRoot() external view returns (bytes32);

    /// @notice Whether batch `index` is live and its challenge period is over.
    /// @param index the batch's index
    function isFinal(uint256 index) external view returns (bool);

    /// @notice The newest final batch: `exists` is false while no batch is final.
    /// @return exists whether any batch is final
    /// @return index the newest final batch's index (0 when none)
    /// @return root its post-state root (zero when none)
    function latestFinalized() external view returns (bool exists, uint256 index, bytes32 root);

    /// @notice The EIP-712 domain separator every rollup transaction is signed under.
    function domainSeparator() external view returns (bytes32);

    /// @notice Whether the oldest unconsumed inbox entry is past its deadline: then any bonded party may
    /// propose (the escalation path of forced inclusion).
    function inboxOverdue() external view returns (bool);

    /// @notice Whether `account` may submit a batch now (submitBatch reverts with the reason when not):
    /// PROPOSER_ROLE or an overdue inbox entry, no code, and bonded in the bond manager (at least its
    /// bondAmount, no pending withdrawal).
    /// @param account the account asked about
    function canPropose(address account) external view returns (bool);
}

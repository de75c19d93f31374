// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IChunkVerifier} from "./interfaces/IChunkVerifier.sol";
import {IForcedInbox} from "./interfaces/IForcedInbox.sol";
import {IRollup} from "./interfaces/IRollup.sol";
import {BatchData} from "./libraries/BatchData.sol";
import {ProtocolConstants as C} from "./libraries/ProtocolConstants.sol";
import {BatchHeader, ChunkRef, Witness} from "./libraries/RollupTypes.sol";
import {TxDigest} from "./libraries/TxDigest.sol";

/// @title Rollup
/// @notice The L1 home of ephr-rollup: bonded proposers submit batches of consent and record-pointer
/// transactions with the state root they lead to; anyone may prove a batch fraudulent within the
/// challenge period, which slashes its proposer, pays the challenger and reverts that batch and every
/// later one. After the period a batch is final. docs/protocol.md is the specification.
contract Rollup is IRollup, AccessControl, ReentrancyGuard {
    // ------------------------------------------------------------------ errors

    /// @notice A configuration value is out of range (`field` names it).
    error InvalidConfig(string field);
    /// @notice `account` may not propose now: it lacks PROPOSER_ROLE and no inbox entry is overdue.
    error NotProposer(address account);
    /// @notice `account` is not an externally owned account calling submitBatch itself (it has code, or
    /// the call comes from a contract): the batch data must be its transaction's own input, which every
    /// challenger can read from any L1 node without tracing internal calls.
    error ProposerNotExternallyOwned(address account);
    /// @notice The proposer's bond is below the required amount.
    error InsufficientBond(address proposer, uint256 bond, uint256 required);
    /// @notice The proposer has asked to withdraw its bond and may not propose until it cancels.
    error WithdrawalPending(address proposer);
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
    /// @notice No bond to withdraw, or no withdrawal requested.
    error NothingToWithdraw(address proposer);
    /// @notice The bond can be withdrawn from `readyAt` on.
    error WithdrawalNotReady(uint256 readyAt);

    // ------------------------------------------------------------------ events

    /// @notice A batch was accepted. Its data is the calldata of the transaction that emitted this.
    /// @param index the batch's index
    /// @param proposer who submitted it (its bond answers for the batch)
    /// @param headerHash keccak256 of the ABI-encoded header, as stored
    /// @param header the batch header, which fraud proofs present back
    event BatchSubmitted(
        uint256 indexed index,
        address indexed proposer,
        bytes32 headerHash,
        BatchHeader header
    );
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
    /// @notice The receiver of retained slashed funds changed (zero: they are burned).
    /// @param previous the former treasury (zero at deployment)
    /// @param current the new treasury
    event TreasuryChanged(address indexed previous, address indexed current);
    /// @notice Slashed funds not paid to challengers: to the treasury, or burned when there is none.
    /// @param toTreasury wei set aside for the treasury (treasuryBalance)
    /// @param burned wei locked in the contract for good
    event SlashedFundsRetained(uint256 toTreasury, uint256 burned);
    /// @notice The treasury was paid what slashing had set aside for it.
    /// @param treasury the receiver
    /// @param amount wei sent
    event TreasuryPaid(address indexed treasury, uint256 amount);

    // ------------------------------------------------------------------ constants and immutables

    /// @notice Role of the sequencer's proposers: they may submit batches (while bonded) at any time;
    /// anyone else only while an inbox entry is overdue. Granted by DEFAULT_ADMIN_ROLE.
    bytes32 public constant PROPOSER_ROLE = keccak256("PROPOSER_ROLE");
    /// @dev Basis points in a whole (challengerRewardBps is out of this).
    uint16 internal constant BPS = 10_000;

    /// @notice The stateless verifier fraud proofs are judged by (re-executes one leaf from witnesses).
    IChunkVerifier public immutable verifier;
    /// @notice The forced-inclusion inbox whose entries batches must consume in order, by their deadlines.
    IForcedInbox public immutable inbox;
    /// @notice Seconds after submission during which a batch can be proven fraudulent.
    uint64 public immutable challengePeriod;
    /// @notice Seconds between a withdrawal request and the withdrawal (at least).
    uint64 public immutable withdrawalDelay;
    /// @notice How far (seconds) a batch timestamp may lag the L1 block's.
    uint64 public immutable maxTimestampLag;
    /// @notice Bond a proposer must hold to submit.
    uint256 public immutable bondAmount;
    /// @notice Share of a slashed bond paid to the challenger, in basis points.
    uint16 public immutable challengerRewardBps;
    /// @notice The network's registrar: the one account whose RegisterVault transactions register (and
    /// remove) the vaults allowed to write patients' access logs (docs/protocol.md section 4). Fixed at
    /// deployment, because every fraud proof re-executes batches under it, old ones included.
    address public immutable registrar;

    // ------------------------------------------------------------------ storage

    /// @dev Three storage slots: the hash, the root, and the proposer packed with two times.
    struct StoredBatch {
        bytes32 headerHash;
        bytes32 postRoot;
        address proposer;
        uint48 submittedAt;
        uint48 timestamp;
    }

    /// @notice A proposer's bond.
    /// @param amount wei held; all of it is slashed by a successful fraud proof against the proposer
    /// @param withdrawalRequestedAt L1 time of the pending withdrawal request, 0 when there is none
    /// @param lastSubmittedAt L1 time of the proposer's last batch (its bond answers for it until final)
    struct Bond {
        uint256 amount;
        uint64 withdrawalRequestedAt;
        uint64 lastSubmittedAt;
    }

    /// @dev Whether an account may submit a batch now; anything but Allowed names the first failing check
    /// (the order _checkProposer reverts in).
    enum ProposerStatus {
        Allowed,
        NotProposer,
        NotExternallyOwned,
        InsufficientBond,
        WithdrawalPending
    }

    mapping(uint256 index => StoredBatch) private _batches;
    uint256 private _batchCount;
    /// @notice Inbox entries consumed by live batches.
    uint256 public inboxConsumed;
    mapping(address proposer => Bond) private _bonds;
    /// @notice Receiver of slashed funds not paid to challengers (zero: they are burned). Set by the admin.
    address public treasury;
    /// @notice Slashed funds held for the treasury.
    uint256 public treasuryBalance;
    /// @notice Slashed funds locked forever (no treasury was set when they were slashed).
    uint256 public burned;

    /// @notice Deployment parameters of a network (docs/operations.md).
    /// @param admin holder of DEFAULT_ADMIN_ROLE (grants PROPOSER_ROLE, sets the treasury); nonzero
    /// @param registrar signer of the RegisterVault transactions (an externally owned key); nonzero
    /// @param treasury initial receiver of retained slashed funds (zero: they are burned)
    /// @param verifier the ChunkVerifier; nonzero
    /// @param inbox the ForcedInbox; nonzero
    /// @param challengePeriod seconds a batch can be proven fraudulent after submission; nonzero
    /// @param withdrawalDelay seconds between a withdrawal request and the withdrawal (at least)
    /// @param maxTimestampLag seconds a batch timestamp may lag the L1 block's; nonzero
    /// @param bondAmount wei a proposer must hold to submit; nonzero
    /// @param challengerRewardBps share of a slashed bond paid to the challenger, at most 10,000
    /// @param proposers accounts granted PROPOSER_ROLE at deployment
    struct Config {
        address admin;
        address registrar;
        address treasury;
        IChunkVerifier verifier;
        IForcedInbox inbox;
        uint64 challengePeriod;
        uint64 withdrawalDelay;
        uint64 maxTimestampLag;
        uint256 bondAmount;
        uint16 challengerRewardBps;
        address[] proposers;
    }

    // ------------------------------------------------------------------ constructor

    /// @notice Deploy a network's Rollup with its parameters (validated; a bad one reverts InvalidConfig).
    /// @param cfg the network's parameters (see Config for each field and its valid range)
    constructor(Config memory cfg) {
        if (cfg.admin == address(0)) revert InvalidConfig("admin");
        if (cfg.registrar == address(0)) revert InvalidConfig("registrar");
        if (address(cfg.verifier) == address(0)) revert InvalidConfig("verifier");
        if (address(cfg.inbox) == address(0)) revert InvalidConfig("inbox");
        if (cfg.challengePeriod == 0) revert InvalidConfig("challengePeriod");
        if (cfg.bondAmount == 0) revert InvalidConfig("bondAmount");
        if (cfg.challengerRewardBps > BPS) revert InvalidConfig("challengerRewardBps");
        if (cfg.maxTimestampLag == 0) revert InvalidConfig("maxTimestampLag");
        verifier = cfg.verifier;
        inbox = cfg.inbox;
        challengePeriod = cfg.challengePeriod;
        withdrawalDelay = cfg.withdrawalDelay;
        maxTimestampLag = cfg.maxTimestampLag;
        bondAmount = cfg.bondAmount;
        challengerRewardBps = cfg.challengerRewardBps;
        registrar = cfg.registrar;
        treasury = cfg.treasury;
        _grantRole(DEFAULT_ADMIN_ROLE, cfg.admin);
        for (uint256 i = 0; i < cfg.proposers.length; ++i) _grantRole(PROPOSER_ROLE, cfg.proposers[i]);
        emit TreasuryChanged(address(0), cfg.treasury);
    }

    // ------------------------------------------------------------------ external: batches

    /// @notice Submit a batch building on the current tip. The caller must be an externally owned
    /// account (no code) sending this call as its transaction, so that the batch data is the
    /// transaction's input.
    /// @param prevRoot the tip root the batch builds on (guards against racing submissions)
    /// @param timestamp the batch timestamp: expiries are judged against it; within
    /// [block.timestamp - maxTimestampLag, block.timestamp] and not before the previous batch's
    /// @param data the batch data (docs/protocol.md "Batches"): the post-roots of the forced inbox
    /// entries it consumes (the next ones in the inbox, every due one included), then its chunks
    /// @return index the new batch's index
    function submitBatch(bytes32 prevRoot, uint64 timestamp, bytes calldata data) external returns (uint256 index) {
        // The batch data must be the transaction's input: no contract in between (with the code check of
        // _proposerStatus, this also rules out an EIP-7702-delegated account calling from its code).
        // solhint-disable-next-line avoid-tx-origin
        if (msg.sender != tx.origin) revert ProposerNotExternallyOwned(msg.sender);
        _checkProposer(msg.sender);
        bytes32 tip = tipRoot();
        if (prevRoot != tip) revert PrevRootMismatch(tip, prevRoot);
        index = _batchCount;
        uint64 minTimestamp = index == 0 ? 0 : uint64(_batches[index - 1].timestamp);
        (uint256 inboxStart, bytes32[] memory forcedHashes, uint64 lastQueuedAt) =
            _consumeInbox(BatchData.forcedCount(data));
        if (lastQueuedAt > minTimestamp) minTimestamp = lastQueuedAt;
        _checkTimestamp(timestamp, minTimestamp);

        (bytes32[] memory leaves, bytes32 postRoot) = BatchData.leaves(prevRoot, data, forcedHashes);
        BatchHeader memory header = BatchHeader({
            index: uint64(index),
            prevRoot: prevRoot,
            postRoot: postRoot,
            dataRoot: BatchData.merkleRoot(leaves),
            chunkCount: uint32(leaves.length),
            forcedCount: uint32(forcedHashes.length),
            inboxStart: uint64(inboxStart),
            timestamp: timestamp,
            l1Block: uint64(block.number)
        });
        bytes32 headerHash = keccak256(abi.encode(header));
        _batches[index] = StoredBatch({
            headerHash: headerHash,
            postRoot: postRoot,
            proposer: msg.sender,
            submittedAt: uint48(block.timestamp),
            timestamp: uint48(timestamp)
        });
        _batchCount = index + 1;
        if (forcedHashes.length > 0) inboxConsumed = inboxStart + forcedHashes.length;
        _bonds[msg.sender].lastSubmittedAt = uint64(block.timestamp);
        emit BatchSubmitted(index, msg.sender, headerHash, header);
    }

    /// @notice Prove that leaf `chunk.index` of a live, non-final batch is fraudulent. On success the
    /// batch's proposer loses its bond (challengerRewardBps of it paid to the caller), and the batch and
    /// every later one are reverted.
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
    ) external nonReentrant {
        if (claimed == IChunkVerifier.FraudKind.None) revert NoFraudClaimed();
        address proposer = _checkChallengeable(header);
        _checkChunkInBatch(header, chunk);
        bool forced = chunk.index < header.forcedCount;
        (IChunkVerifier.FraudKind kind, IChunkVerifier.Verdict memory v) = verifier.judge(
            domainSeparator(), registrar, header.timestamp, chunk.preRoot, chunk.postRoot, chunk.body, witnesses, forced
        );
        _checkClaim(claimed, kind, v, forced, txIndex);
        uint8 code = kind == IChunkVerifier.FraudKind.Undecodable ? v.decodeError : v.reason;
        _slashAndRevert(header, proposer, kind, chunk.index, v.txIndex, code);
    }

    // ------------------------------------------------------------------ external: bonds

    /// @notice Add the sent ETH to the caller's bond.
    function depositBond() external payable {
        Bond storage b = _bonds[msg.sender];
        b.amount += msg.value;
        emit BondDeposited(msg.sender, msg.value, b.amount);
    }

    /// @notice Start the withdrawal of the caller's whole bond. The caller may not propose until it
    /// withdraws or cancels; the bond is released once withdrawalDelay has passed since this request and
    /// challengePeriod since the caller's last batch (so every batch it answers for is final or reverted).
    function requestWithdrawal() external {
        Bond storage b = _bonds[msg.sender];
        if (b.amount == 0) revert NothingToWithdraw(msg.sender);
        b.withdrawalRequestedAt = uint64(block.timestamp);
        emit WithdrawalRequested(msg.sender, _withdrawalReadyAt(b));
    }

    /// @notice Cancel a pending withdrawal request.
    function cancelWithdrawal() external {
        Bond storage b = _bonds[msg.sender];
        if (b.withdrawalRequestedAt == 0) revert NothingToWithdraw(msg.sender);
        b.withdrawalRequestedAt = 0;
        emit WithdrawalCancelled(msg.sender);
    }

    /// @notice Withdraw the caller's whole bond after a request has matured.
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

    /// @notice Set where slashed funds not paid to challengers go (zero: they are burned).
    /// @param newTreasury the new receiver (funds already set aside follow it: payTreasury pays the current one)
    function setTreasury(address newTreasury) external onlyRole(DEFAULT_ADMIN_ROLE) {
        emit TreasuryChanged(treasury, newTreasury);
        treasury = newTreasury;
    }

    /// @notice Pay the treasury what slashing has set aside for it (anyone may call).
    function payTreasury() external nonReentrant {
        address to = treasury;
        uint256 amount = treasuryBalance;
        if (to == address(0) || amount == 0) revert NothingToWithdraw(to);
        treasuryBalance = 0;
        emit TreasuryPaid(to, amount);
        Address.sendValue(payable(to), amount);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IRollup
    function batchCount() external view returns (uint256) {
        return _batchCount;
    }

    /// @inheritdoc IRollup
    function batch(uint256 index) external view returns (BatchInfo memory) {
        if (index >= _batchCount) revert BatchNotLive(index);
        StoredBatch storage s = _batches[index];
        return BatchInfo({
            headerHash: s.headerHash,
            postRoot: s.postRoot,
            proposer: s.proposer,
            submittedAt: s.submittedAt,
            finalizesAt: SafeCast.toUint64(_finalizesAt(s))
        });
    }

    /// @inheritdoc IRollup
    function tipRoot() public view returns (bytes32) {
        uint256 n = _batchCount;
        return n == 0 ? bytes32(0) : _batches[n - 1].postRoot;
    }

    /// @inheritdoc IRollup
    function isFinal(uint256 index) public view returns (bool) {
        return index < _batchCount && block.timestamp >= _finalizesAt(_batches[index]);
    }

    /// @inheritdoc IRollup
    /// @dev Binary search: submission times never decrease with the index, so final batches are a prefix.
    function latestFinalized() external view returns (bool exists, uint256 index, bytes32 root) {
        uint256 lo = 0;
        uint256 hi = _batchCount; // invariant: batches < lo are final, batches >= hi are not
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            if (isFinal(mid)) lo = mid + 1;
            else hi = mid;
        }
        if (lo == 0) return (false, 0, bytes32(0));
        return (true, lo - 1, _batches[lo - 1].postRoot);
    }

    /// @inheritdoc IRollup
    function domainSeparator() public view returns (bytes32) {
        return TxDigest.domainSeparator(block.chainid, address(this));
    }

    /// @notice A proposer's bond: amount, pending withdrawal request time (0: none), last submission.
    /// @param proposer the account asked about
    function bondOf(address proposer) external view returns (Bond memory) {
        return _bonds[proposer];
    }

    /// @notice Whether the oldest unconsumed inbox entry is past its deadline: then any bonded party may
    /// propose (the escalation path of forced inclusion).
    function inboxOverdue() public view returns (bool) {
        uint256 next = inboxConsumed;
        if (next >= inbox.count()) return false;
        return block.timestamp > inbox.entry(next).deadline;
    }

    /// @notice Whether `account` may submit a batch now (submitBatch reverts with the reason when not).
    /// @param account the account asked about
    function canPropose(address account) external view returns (bool) {
        return _proposerStatus(account) == ProposerStatus.Allowed;
    }

    // ------------------------------------------------------------------ internal

    /// @dev The one rule of who may propose, for canPropose and submitBatch: PROPOSER_ROLE or an overdue
    /// inbox entry, an account without code, a bond of at least bondAmount, no pending withdrawal;
    /// checked in that order.
    function _proposerStatus(address account) private view returns (ProposerStatus) {
        if (!hasRole(PROPOSER_ROLE, account) && !inboxOverdue()) return ProposerStatus.NotProposer;
        if (account.code.length != 0) return ProposerStatus.NotExternallyOwned;
        Bond storage b = _bonds[account];
        if (b.amount < bondAmount) return ProposerStatus.InsufficientBond;
        if (b.withdrawalRequestedAt != 0) return ProposerStatus.WithdrawalPending;
        return ProposerStatus.Allowed;
    }

    /// @dev Reverts with the error naming why `account` may not propose now (see _proposerStatus).
    function _checkProposer(address account) private view {
        ProposerStatus status = _proposerStatus(account);
        if (status == ProposerStatus.Allowed) return;
        if (status == ProposerStatus.NotProposer) revert NotProposer(account);
        if (status == ProposerStatus.NotExternallyOwned) revert ProposerNotExternallyOwned(account);
        if (status == ProposerStatus.InsufficientBond) {
            revert InsufficientBond(account, _bonds[account].amount, bondAmount);
        }
        revert WithdrawalPending(account);
    }

    /// @dev The L1 time from which a stored batch is final (no fraud proof accepted).
    function _finalizesAt(StoredBatch storage s) private view returns (uint256) {
        return uint256(s.submittedAt) + challengePeriod;
    }

    function _checkTimestamp(uint64 timestamp, uint64 minimum) private view {
        if (timestamp > block.timestamp) revert TimestampInFuture(timestamp, block.timestamp);
        if (uint256(timestamp) + maxTimestampLag < block.timestamp) {
            revert TimestampTooOld(timestamp, block.timestamp - maxTimestampLag);
        }
        if (timestamp < minimum) revert TimestampTooEarly(timestamp, minimum);
    }

    /// @dev The next `count` inbox entries: their body hashes and the last one's queue time. Every entry
    /// already due must be among them, as far as a batch holds leaves: a batch of MAX_BATCH_CHUNKS forced
    /// entries may leave later due ones to the next batch (else a backlog of due entries larger than a
    /// batch would block every batch for good).
    function _consumeInbox(uint256 count)
        private
        view
        returns (uint256 start, bytes32[] memory hashes, uint64 lastQueuedAt)
    {
        start = inboxConsumed;
        uint256 available = inbox.count();
        if (start + count > available) revert InboxEntryMissing(start + count, available);
        hashes = new bytes32[](count);
        for (uint256 i = 0; i < count; ++i) {
            IForcedInbox.Entry memory e = inbox.entry(start + i);
            hashes[i] = e.bodyHash;
            lastQueuedAt = e.queuedAt;
        }
        if (count < C.MAX_BATCH_CHUNKS && start + count < available) {
            IForcedInbox.Entry memory next = inbox.entry(start + count);
            if (block.timestamp > next.deadline) revert InboxEntryDue(start + count, next.deadline);
        }
    }

    function _checkChallengeable(BatchHeader calldata header) private view returns (address proposer) {
        uint256 index = header.index;
        if (index >= _batchCount) revert BatchNotLive(index);
        StoredBatch storage s = _batches[index];
        if (keccak256(abi.encode(header)) != s.headerHash) revert HeaderMismatch(index);
        if (block.timestamp >= _finalizesAt(s)) revert BatchFinalized(index);
        return s.proposer;
    }

    function _checkChunkInBatch(BatchHeader calldata header, ChunkRef calldata chunk) private pure {
        bytes32 leaf = BatchData.leafHash(chunk.preRoot, chunk.postRoot, keccak256(chunk.body));
        if (!BatchData.verifyPath(header.dataRoot, leaf, chunk.index, header.chunkCount, chunk.path)) {
            revert ChunkNotInBatch(chunk.index);
        }
    }

    function _checkClaim(
        IChunkVerifier.FraudKind claimed,
        IChunkVerifier.FraudKind kind,
        IChunkVerifier.Verdict memory v,
        bool forced,
        uint32 txIndex
    ) private pure {
        if (kind == IChunkVerifier.FraudKind.None) {
            if (claimed == IChunkVerifier.FraudKind.WrongRoot) revert ChunkRootCorrect(v.root);
            if (claimed == IChunkVerifier.FraudKind.Undecodable) revert ChunkDecodes();
            if (forced && v.reason != 0) revert ForcedTransactionIsNoOp(v.reason);
            revert TransactionsValid();
        }
        if (kind != claimed) revert FraudKindMismatch(claimed, kind);
        // One valid form per proof: txIndex is where execution stopped, for every kind.
        if (v.txIndex != txIndex) revert WrongTransactionIndex(txIndex, v.txIndex);
    }

    function _slashAndRevert(
        BatchHeader calldata header,
        address proposer,
        IChunkVerifier.FraudKind kind,
        uint32 chunkIndex,
        uint32 txIndex,
        uint8 code
    ) private {
        uint256 from = header.index;
        uint256 to = _batchCount;
        Bond storage b = _bonds[proposer];
        uint256 slashed = b.amount;
        uint256 reward = slashed * challengerRewardBps / BPS;
        uint256 retained = slashed - reward;
        b.amount = 0;
        _batchCount = from;
        inboxConsumed = header.inboxStart;
        bool toTreasury = treasury != address(0);
        if (toTreasury) treasuryBalance += retained;
        else burned += retained;

        emit BatchesReverted(from, to, header.prevRoot);
        emit FraudProven(from, kind, chunkIndex, txIndex, code, proposer, msg.sender, slashed, reward);
        emit SlashedFundsRetained(toTreasury ? retained : 0, toTreasury ? 0 : retained);
        if (reward > 0) Address.sendValue(payable(msg.sender), reward);
    }

    function _withdrawalReadyAt(Bond storage b) private view returns (uint256) {
        uint256 a = uint256(b.withdrawalRequestedAt) + withdrawalDelay;
        uint256 c = uint256(b.lastSubmittedAt) + challengePeriod;
        return a > c ? a : c;
    }
}

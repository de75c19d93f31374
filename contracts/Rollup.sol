// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {BondManager} from "./BondManager.sol";
import {IBondManager} from "./interfaces/IBondManager.sol";
import {IChunkVerifier} from "./interfaces/IChunkVerifier.sol";
import {IForcedInbox} from "./interfaces/IForcedInbox.sol";
import {IRollup} from "./interfaces/IRollup.sol";
import {BatchData} from "./libraries/BatchData.sol";
import {BlobLayout, BlobLeafRef, BlobRange} from "./libraries/BlobLayout.sol";
import {ProtocolConstants as C} from "./libraries/ProtocolConstants.sol";
import {BatchHeader, ChunkRef, Witness} from "./libraries/RollupTypes.sol";
import {TxDigest} from "./libraries/TxDigest.sol";

/// @title Rollup
/// @notice The L1 home of ephr-rollup: the batch log and fraud dispatch. Bonded proposers submit batches
/// of consent and record-pointer transactions with the state root they lead to; anyone may prove a batch
/// fraudulent within the challenge period, which reverts that batch and every later one and has the bond
/// manager slash its proposer and pay the challenger. After the period a batch is final. Bonds and the
/// treasury live in the BondManager this contract deploys in its constructor. Errors and events are
/// declared on IRollup. docs/protocol.md is the specification.
contract Rollup is IRollup, AccessControl, ReentrancyGuard {
    // ------------------------------------------------------------------ constants and immutables

    /// @inheritdoc IRollup
    bytes32 public constant PROPOSER_ROLE = keccak256("PROPOSER_ROLE");

    /// @inheritdoc IRollup
    IChunkVerifier public immutable verifier;
    /// @inheritdoc IRollup
    IForcedInbox public immutable inbox;
    /// @inheritdoc IRollup
    IBondManager public immutable bondManager;
    /// @inheritdoc IRollup
    uint64 public immutable challengePeriod;
    /// @inheritdoc IRollup
    uint64 public immutable maxTimestampLag;
    /// @inheritdoc IRollup
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

    /// @dev Whether an account may submit a batch now, as far as the Rollup decides (the bond manager
    /// decides the bond); anything but Allowed names the first failing check (the order _checkProposer
    /// reverts in).
    enum ProposerStatus {
        Allowed,
        NotProposer,
        NotExternallyOwned
    }

    /// @notice Deployment parameters of a network (docs/operations.md). The bond fields (treasury,
    /// withdrawalDelay, bondAmount, challengerRewardBps) configure the BondManager the Rollup deploys.
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

    /// @dev A blob batch's leaf as its openings give it (proveBlobFraud).
    struct OpenedLeaf {
        bytes32 preRoot;
        bytes32 postRoot;
        bytes body;
        bool forced;
    }

    mapping(uint256 index => StoredBatch) private _batches;
    uint256 private _batchCount;
    /// @inheritdoc IRollup
    uint256 public inboxConsumed;

    // ------------------------------------------------------------------ constructor

    /// @notice Deploy a network's Rollup with its parameters, and its BondManager with the bond ones.
    /// Validated in this order, a bad one reverting InvalidConfig with its name: admin, registrar,
    /// verifier, inbox, challengePeriod, bondAmount and challengerRewardBps (by the bond manager),
    /// maxTimestampLag.
    /// @param cfg the network's parameters (see Config for each field and its valid range)
    constructor(Config memory cfg) {
        if (cfg.admin == address(0)) revert InvalidConfig("admin");
        if (cfg.registrar == address(0)) revert InvalidConfig("registrar");
        if (address(cfg.verifier) == address(0)) revert InvalidConfig("verifier");
        if (address(cfg.inbox) == address(0)) revert InvalidConfig("inbox");
        if (cfg.challengePeriod == 0) revert InvalidConfig("challengePeriod");
        // The bond manager checks bondAmount and challengerRewardBps (its revert is this one's). Created
        // here, it knows this Rollup as its deployer from birth: no address to predict, no setter.
        bondManager = new BondManager(
            BondManager.Config({
                treasury: cfg.treasury,
                bondAmount: cfg.bondAmount,
                withdrawalDelay: cfg.withdrawalDelay,
                challengePeriod: cfg.challengePeriod,
                challengerRewardBps: cfg.challengerRewardBps
            })
        );
        if (cfg.maxTimestampLag == 0) revert InvalidConfig("maxTimestampLag");
        verifier = cfg.verifier;
        inbox = cfg.inbox;
        challengePeriod = cfg.challengePeriod;
        maxTimestampLag = cfg.maxTimestampLag;
        registrar = cfg.registrar;
        _grantRole(DEFAULT_ADMIN_ROLE, cfg.admin);
        for (uint256 i = 0; i < cfg.proposers.length; ++i) _grantRole(PROPOSER_ROLE, cfg.proposers[i]);
    }

    // ------------------------------------------------------------------ external

    /// @inheritdoc IRollup
    function submitBatch(bytes32 prevRoot, uint64 timestamp, bytes calldata data) external returns (uint256 index) {
        _checkSender(prevRoot);
        uint256 forced = BatchData.forcedCount(data);
        (uint256 inboxStart, bytes32[] memory forcedHashes) = _consumeAt(timestamp, forced, forced == C.MAX_BATCH_LEAVES);
        // Every blob index the transaction carries must be used: a calldata batch uses none.
        if (blobhash(0) != bytes32(0)) revert BlobCountMismatch(0, 1);
        (bytes32[] memory leaves, bytes32 postRoot) = BatchData.leaves(prevRoot, data, forcedHashes);
        index = _record(prevRoot, postRoot, BatchData.merkleRoot(leaves), leaves.length, inboxStart, forcedHashes.length, timestamp);
    }

    /// @inheritdoc IRollup
    function submitBlobBatch(bytes32 prevRoot, uint64 timestamp, uint32 forcedCount, uint32 leafCount, bytes32 postRoot)
        external
        returns (uint256 index)
    {
        _checkSender(prevRoot);
        if (forcedCount > C.MAX_BATCH_LEAVES) revert BatchData.BadLeafCount(forcedCount);
        // A due entry may wait for the next batch only behind a batch of nothing but 256 forced leaves.
        (uint256 inboxStart,) = _consumeAt(timestamp, forcedCount, forcedCount == C.MAX_BATCH_LEAVES && leafCount == forcedCount);
        if (leafCount == 0 || leafCount > BlobLayout.MAX_BLOB_BATCH_LEAVES || leafCount < forcedCount) {
            revert BatchData.BadLeafCount(leafCount);
        }
        uint256 n = (uint256(leafCount) + BlobLayout.SLOTS_PER_BLOB - 1) / BlobLayout.SLOTS_PER_BLOB;
        bytes32[] memory hashes = new bytes32[](n);
        // Bounded: n <= 6 (MAX_BLOB_BATCH_LEAVES / SLOTS_PER_BLOB), the loop reads at most n + 1 indices.
        uint256 carried;
        while (carried <= n && blobhash(carried) != bytes32(0)) {
            if (carried < n) hashes[carried] = blobhash(carried);
            ++carried;
        }
        if (carried != n) revert BlobCountMismatch(n, carried);
        index = _record(prevRoot, postRoot, BlobLayout.dataRoot(hashes), leafCount, inboxStart, forcedCount, timestamp);
        emit BlobBatchSubmitted(index, hashes);
    }

    /// @inheritdoc IRollup
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
        _revertAndSlash(header, proposer, kind, chunk.index, v.txIndex, code);
    }

    /// @inheritdoc IRollup
    function proveBlobFraud(
        IChunkVerifier.FraudKind claimed,
        BatchHeader calldata header,
        BlobLeafRef calldata leaf,
        Witness[] calldata witnesses,
        uint32 txIndex
    ) external nonReentrant {
        if (claimed == IChunkVerifier.FraudKind.None) revert NoFraudClaimed();
        address proposer = _checkChallengeable(header);
        _checkBlobHashes(header, leaf.versionedHashes);
        if (leaf.index >= header.chunkCount) revert ChunkNotInBatch(leaf.index);
        bool forced = leaf.index < header.forcedCount;
        (IChunkVerifier.FraudKind kind, IChunkVerifier.Verdict memory v) = _judgeBlobLeaf(header, leaf, witnesses);
        _checkClaim(claimed, kind, v, forced, txIndex);
        uint8 code = kind == IChunkVerifier.FraudKind.Undecodable ? v.decodeError : v.reason;
        _revertAndSlash(header, proposer, kind, leaf.index, v.txIndex, code);
    }

    /// @inheritdoc IRollup
    function proveMalformedBlob(
        BatchHeader calldata header,
        bytes32[] calldata versionedHashes,
        uint32 slot,
        BlobRange calldata range
    ) external nonReentrant {
        address proposer = _checkChallengeable(header);
        _checkBlobHashes(header, versionedHashes);
        if (slot >= BlobLayout.SLOTS_PER_BLOB * versionedHashes.length) revert ChunkNotInBatch(slot);
        BlobLayout.openRange(range, versionedHashes, uint256(slot) * BlobLayout.SLOT_FES, 1, BlobLayout.SLOT_FES);
        BlobLayout.SlotRole memory r = BlobLayout.role(slot, header.chunkCount, header.forcedCount, header.postRoot);
        (uint256 fe, uint8 code,) = BlobLayout.scan(r, range.values);
        if (code == BlobLayout.SCAN_OK) revert BlobSlotWellFormed(slot);
        // One valid form: the range ends at the slot's first failure.
        if (fe + 1 != range.values.length) revert BlobRangeMismatch(range.start, range.values.length);
        _revertAndSlash(header, proposer, IChunkVerifier.FraudKind.MalformedBlob, slot, uint32(fe), code);
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

    /// @inheritdoc IRollup
    function inboxOverdue() public view returns (bool) {
        uint256 next = inboxConsumed;
        if (next >= inbox.count()) return false;
        return block.timestamp > inbox.entry(next).deadline;
    }

    /// @inheritdoc IRollup
    function canPropose(address account) external view returns (bool) {
        return _proposerStatus(account) == ProposerStatus.Allowed && bondManager.isBonded(account);
    }

    // ------------------------------------------------------------------ internal

    /// @dev What both submissions check first, in the order of docs/protocol.md 7.4: the proposer (and its
    /// bond), then prevRoot.
    function _checkSender(bytes32 prevRoot) private {
        // The batch must be the transaction's own: no contract in between (with the code check of
        // _proposerStatus, this also rules out an EIP-7702-delegated account calling from its code).
        // solhint-disable-next-line avoid-tx-origin
        if (msg.sender != tx.origin) revert ProposerNotExternallyOwned(msg.sender);
        _checkProposer(msg.sender);
        // Reverts InsufficientBond or WithdrawalPending; records this batch as the proposer's last (undone
        // with everything else if a later check reverts).
        bondManager.recordSubmission(msg.sender);
        bytes32 tip = tipRoot();
        if (prevRoot != tip) revert PrevRootMismatch(tip, prevRoot);
    }

    /// @dev Both submissions' next checks, after the forced count's (docs/protocol.md 7.4 checks 4 and 5):
    /// the inbox, then the timestamp. Returns the first inbox entry consumed and the body hashes of the
    /// `forcedCount` consumed. `onlyFullForced`: the batch is 256 forced leaves and nothing else, the one
    /// batch that may leave a due entry to the next.
    function _consumeAt(uint64 timestamp, uint256 forcedCount, bool onlyFullForced)
        private
        view
        returns (uint256 inboxStart, bytes32[] memory forcedHashes)
    {
        uint256 index = _batchCount;
        uint64 minTimestamp = index == 0 ? 0 : uint64(_batches[index - 1].timestamp);
        uint64 lastQueuedAt;
        (inboxStart, forcedHashes, lastQueuedAt) = _consumeInbox(forcedCount, onlyFullForced);
        if (lastQueuedAt > minTimestamp) minTimestamp = lastQueuedAt;
        _checkTimestamp(timestamp, minTimestamp);
    }

    /// @dev Store and announce batch `_batchCount` (both submissions' last step).
    function _record(
        bytes32 prevRoot,
        bytes32 postRoot,
        bytes32 dataRoot,
        uint256 leafCount,
        uint256 inboxStart,
        uint256 forcedCount,
        uint64 timestamp
    ) private returns (uint256 index) {
        index = _batchCount;
        BatchHeader memory header = BatchHeader({
            index: uint64(index),
            prevRoot: prevRoot,
            postRoot: postRoot,
            dataRoot: dataRoot,
            chunkCount: uint32(leafCount),
            forcedCount: uint32(forcedCount),
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
        if (forcedCount > 0) inboxConsumed = inboxStart + forcedCount;
        emit BatchSubmitted(index, msg.sender, headerHash, header);
    }

    function _checkBlobHashes(BatchHeader calldata header, bytes32[] calldata versionedHashes) private pure {
        if (BlobLayout.dataRoot(versionedHashes) != header.dataRoot) revert BlobHashesMismatch(header.index);
    }

    /// @dev Open leaf k's pre-root (slot k-1's first two field elements, or the header's prevRoot), its
    /// slot up to the end of its body, and scan both; a forced leaf's body is the inbox entry's.
    function _openLeaf(BatchHeader calldata header, BlobLeafRef calldata leaf)
        private
        view
        returns (OpenedLeaf memory o)
    {
        uint256 k = leaf.index;
        uint256 fes = BlobLayout.SLOT_FES;
        if (k == 0) {
            BlobLayout.openRange(leaf.pre, leaf.versionedHashes, 0, 0, 0);
            o.preRoot = header.prevRoot;
        } else {
            BlobLayout.openRange(leaf.pre, leaf.versionedHashes, (k - 1) * fes, 2, 2);
        }
        BlobLayout.openRange(leaf.slot, leaf.versionedHashes, k * fes, 2, fes);
        if (k != 0) {
            BlobLayout.SlotRole memory p = BlobLayout.role(k - 1, header.chunkCount, header.forcedCount, header.postRoot);
            _requireScanOk(k - 1, p, leaf.pre.values);
            o.preRoot = BlobLayout.rootOf(leaf.pre.values[0], leaf.pre.values[1]);
        }
        BlobLayout.SlotRole memory r = BlobLayout.role(k, header.chunkCount, header.forcedCount, header.postRoot);
        uint256 len = _requireScanOk(k, r, leaf.slot.values);
        if (leaf.slot.values.length != BlobLayout.slotFieldElements(len)) {
            revert BlobRangeMismatch(leaf.slot.start, leaf.slot.values.length);
        }
        o.postRoot = BlobLayout.rootOf(leaf.slot.values[0], leaf.slot.values[1]);
        o.forced = r.forced;
        if (r.forced) {
            if (keccak256(leaf.forcedBody) != inbox.entry(header.inboxStart + k).bodyHash) revert ForcedBodyMismatch(k);
            o.body = leaf.forcedBody;
        } else {
            if (leaf.forcedBody.length != 0) revert ForcedBodyMismatch(k);
            o.body = BlobLayout.body(leaf.slot.values, len);
        }
    }

    function _judgeBlobLeaf(BatchHeader calldata header, BlobLeafRef calldata leaf, Witness[] calldata witnesses)
        private
        view
        returns (IChunkVerifier.FraudKind, IChunkVerifier.Verdict memory)
    {
        OpenedLeaf memory o = _openLeaf(header, leaf);
        return verifier.judge(domainSeparator(), registrar, header.timestamp, o.preRoot, o.postRoot, o.body, witnesses, o.forced);
    }

    function _requireScanOk(uint256 slot, BlobLayout.SlotRole memory r, bytes32[] calldata values)
        private
        pure
        returns (uint256 bodyLength)
    {
        (uint256 fe, uint8 code, uint256 len) = BlobLayout.scan(r, values);
        if (code != BlobLayout.SCAN_OK) revert BlobSlotMalformed(slot, fe, code);
        return len;
    }

    /// @dev The Rollup's half of who may propose, for canPropose and submitBatch: PROPOSER_ROLE or an
    /// overdue inbox entry, then an account without code; checked in that order, before the bond
    /// manager's half (a bond of at least bondAmount, then no pending withdrawal).
    function _proposerStatus(address account) private view returns (ProposerStatus) {
        if (!hasRole(PROPOSER_ROLE, account) && !inboxOverdue()) return ProposerStatus.NotProposer;
        if (account.code.length != 0) return ProposerStatus.NotExternallyOwned;
        return ProposerStatus.Allowed;
    }

    /// @dev Reverts with the error naming why `account` may not propose now (see _proposerStatus).
    function _checkProposer(address account) private view {
        ProposerStatus status = _proposerStatus(account);
        if (status == ProposerStatus.NotProposer) revert NotProposer(account);
        if (status == ProposerStatus.NotExternallyOwned) revert ProposerNotExternallyOwned(account);
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
    /// already due must be among them, as far as a batch holds leaves: a batch of MAX_BATCH_LEAVES forced
    /// entries may leave later due ones to the next batch (else a backlog of due entries larger than a
    /// batch would block every batch for good).
    function _consumeInbox(uint256 count, bool onlyFullForced)
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
        if (!onlyFullForced && start + count < available) {
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

    /// @dev Revert batches header.index .. batchCount-1 and unconsume their inbox entries (effects), then
    /// have the bond manager slash the proposer and pay the challenger (the one interaction), then emit
    /// BatchesReverted and FraudProven (adjacent, in that order, with what the slash took and paid).
    function _revertAndSlash(
        BatchHeader calldata header,
        address proposer,
        IChunkVerifier.FraudKind kind,
        uint32 chunkIndex,
        uint32 txIndex,
        uint8 code
    ) private {
        uint256 from = header.index;
        uint256 to = _batchCount;
        _batchCount = from;
        inboxConsumed = header.inboxStart;
        (uint256 slashed, uint256 reward) = bondManager.slash(proposer, msg.sender);
        emit BatchesReverted(from, to, header.prevRoot);
        emit FraudProven(from, kind, chunkIndex, txIndex, code, proposer, msg.sender, slashed, reward);
    }
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @notice A run of consecutive field elements of one blob of a blob batch, opened by KZG proofs
/// (docs/protocol.md section 7.7).
/// @param start the first field element's index in the batch (blob = start / 4096)
/// @param commitment the blob's 48-byte KZG commitment (empty when the range opens nothing)
/// @param values the field elements' 32-byte values, in order
/// @param proofs 48 bytes of KZG proof per value, concatenated
struct BlobRange {
    uint32 start;
    bytes commitment;
    bytes32[] values;
    bytes proofs;
}

/// @notice One leaf of a blob batch as a fraud proof presents it: the batch's versioned hashes, the
/// previous slot's first two field elements (its post-root; nothing for leaf 0), the leaf's slot up to
/// the end of its body, and for a forced leaf the inbox entry's body.
struct BlobLeafRef {
    uint32 index;
    bytes32[] versionedHashes;
    BlobRange pre;
    BlobRange slot;
    bytes forcedBody;
}

/// @title BlobLayout
/// @notice The layout of a blob batch in field elements and its openings through the point-evaluation
/// precompile (twin of sequencer/blob/layout.ts; docs/protocol.md section 7.7). Field elements carry 31
/// data bytes under a zero top byte; slots of SLOT_FES field elements hold one leaf each:
///   slot := postRoot:32 | bodyLength:u16 | body | zeros
library BlobLayout {
    /// @notice The slot's first failure (docs/protocol.md 7.7, "Slot scan"): the batch is malformed.
    error BlobSlotMalformed(uint256 slot, uint256 fe, uint8 code);
    /// @notice A range does not open exactly the field elements the proof needs.
    error BlobRangeMismatch(uint256 start, uint256 count);
    /// @notice The point-evaluation precompile refused the opening of batch field element `fe`.
    error InvalidBlobOpening(uint256 fe);
    /// @notice Too little gas was left to open batch field element `fe` (the whole proof reverts).
    error OpeningOutOfGas(uint256 fe);

    uint256 internal constant FIELD_ELEMENTS_PER_BLOB = 4096;
    uint256 internal constant BLS_MODULUS = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001;
    uint256 internal constant FE_DATA_BYTES = 31;
    uint256 internal constant SLOT_FES = 32;
    uint256 internal constant SLOTS_PER_BLOB = 128;
    uint256 internal constant SLOT_HEADER_BYTES = 34;
    uint256 internal constant MAX_BLOB_CHUNK_BODY_BYTES = 640;
    uint256 internal constant MAX_BLOB_BATCH_LEAVES = 768;
    uint256 internal constant OPENING_GAS_RESERVE = 60_000;
    uint256 internal constant POINT_EVALUATION_GAS = 50_000;
    address internal constant POINT_EVALUATION = address(0x0a);
    bytes1 internal constant DATA_ROOT_TAG = 0xb1;

    uint8 internal constant SCAN_OK = 0;
    uint8 internal constant SCAN_PADDING = 1;
    uint8 internal constant SCAN_BAD_LENGTH = 2;
    uint8 internal constant SCAN_POST_ROOT_MISMATCH = 3;
    uint8 internal constant SCAN_NON_ZERO_UNUSED = 4;

    /// @notice What the scan of a slot needs to know about it.
    /// @param used the slot holds a leaf (slot < chunkCount)
    /// @param forced the leaf is a forced inbox entry (slot < forcedCount)
    /// @param last the leaf is the batch's last (its post-root must be the header's)
    /// @param postRoot the header's post-root (read only when `last`)
    struct SlotRole {
        bool used;
        bool forced;
        bool last;
        bytes32 postRoot;
    }

    /// @notice The dataRoot a blob batch's header records: keccak256(0xb1 || versioned hashes).
    /// @param versionedHashes the batch's blobhash(0 .. n-1)
    /// @return the header's dataRoot
    function dataRoot(bytes32[] memory versionedHashes) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(DATA_ROOT_TAG, versionedHashes));
    }

    /// @notice The role of slot `slot` in a batch of `chunkCount` leaves, `forcedCount` of them forced.
    /// @param slot the slot's index in the batch
    /// @param chunkCount the batch's leaves
    /// @param forcedCount the batch's forced leaves
    /// @param postRoot the header's post-root
    /// @return the slot's role
    function role(uint256 slot, uint256 chunkCount, uint256 forcedCount, bytes32 postRoot)
        internal
        pure
        returns (SlotRole memory)
    {
        return SlotRole({used: slot < chunkCount, forced: slot < forcedCount, last: slot + 1 == chunkCount, postRoot: postRoot});
    }

    /// @notice Scan a slot's first field elements in order and return its first failure: `fe` its place
    /// in the slot and `code` (SCAN_*), or (values.length, SCAN_OK) when none. `bodyLength` is the
    /// slot's length field once read (0 before).
    /// @param r the slot's role
    /// @param values the slot's field elements 0 .. values.length - 1
    /// @return fe the first failure's field element in the slot (values.length when none)
    /// @return code the first failure (SCAN_*; SCAN_OK when none)
    /// @return bodyLength the slot's length field (0 when not read)
    function scan(SlotRole memory r, bytes32[] calldata values)
        internal
        pure
        returns (uint256 fe, uint8 code, uint256 bodyLength)
    {
        // A used slot's first FE is all header (34 > 31 bytes), so its tail check starts at FE 1.
        uint256 usedBytes = r.used ? type(uint256).max : 0;
        for (uint256 j = 0; j < values.length; ++j) {
            uint256 v = uint256(values[j]);
            if (v >> 248 != 0) return (j, SCAN_PADDING, bodyLength);
            if (j == 1 && r.used) {
                bodyLength = (v >> 224) & 0xffff;
                bool bad = r.forced ? bodyLength != 0 : (bodyLength == 0 || bodyLength > MAX_BLOB_CHUNK_BODY_BYTES);
                if (bad) return (j, SCAN_BAD_LENGTH, bodyLength);
                if (r.last && rootOf(values[0], values[1]) != r.postRoot) {
                    return (j, SCAN_POST_ROOT_MISMATCH, bodyLength);
                }
                usedBytes = SLOT_HEADER_BYTES + bodyLength;
            }
            if (tailNonZero(v, j, usedBytes)) return (j, SCAN_NON_ZERO_UNUSED, bodyLength);
        }
        return (values.length, SCAN_OK, bodyLength);
    }

    /// @dev Whether FE `j` of a slot has a non-zero data byte at or past slot byte `usedBytes`.
    function tailNonZero(uint256 v, uint256 j, uint256 usedBytes) private pure returns (bool) {
        uint256 first = j * FE_DATA_BYTES; // slot byte of the FE's first data byte
        if (usedBytes >= first + FE_DATA_BYTES) return false;
        if (usedBytes <= first) return v != 0;
        uint256 unusedBits = 8 * (first + FE_DATA_BYTES - usedBytes);
        return v & ((uint256(1) << unusedBits) - 1) != 0;
    }

    /// @notice The post-root a slot starts with: data bytes 0..30 of FE 0 and byte 0 of FE 1.
    /// @param fe0 the slot's field element 0
    /// @param fe1 the slot's field element 1
    /// @return the slot's post-root
    function rootOf(bytes32 fe0, bytes32 fe1) internal pure returns (bytes32) {
        return bytes32((uint256(fe0) << 8) | (uint256(fe1) >> 240 & 0xff));
    }

    /// @notice The field elements a slot's leaf occupies: ceil((34 + bodyLength) / 31).
    /// @param bodyLength the slot's length field
    /// @return the number of field elements
    function slotFieldElements(uint256 bodyLength) internal pure returns (uint256) {
        return (SLOT_HEADER_BYTES + bodyLength + FE_DATA_BYTES - 1) / FE_DATA_BYTES;
    }

    /// @notice The body of a slot whose field elements are `values` (scanned, exactly its leaf's).
    /// @param values the slot's field elements, as many as slotFieldElements(bodyLength)
    /// @param bodyLength the slot's length field
    /// @return out the body's bytes
    function body(bytes32[] calldata values, uint256 bodyLength) internal pure returns (bytes memory out) {
        uint256 n = values.length;
        bytes memory buf = new bytes(n * FE_DATA_BYTES + 1);
        for (uint256 j = 0; j < n; ++j) {
            // Each store writes the FE's 31 data bytes and one zero byte the next store overwrites.
            bytes32 shifted = bytes32(uint256(values[j]) << 8);
            uint256 offset = j * FE_DATA_BYTES;
            assembly ("memory-safe") {
                mstore(add(add(buf, 0x20), offset), shifted)
            }
        }
        out = new bytes(bodyLength);
        for (uint256 i = 0; i < bodyLength; i += 32) {
            assembly ("memory-safe") {
                mstore(add(add(out, 0x20), i), mload(add(add(buf, 0x20), add(SLOT_HEADER_BYTES, i))))
            }
        }
        // The last store may have written past bodyLength into the free memory area only, never into
        // another allocation: `out` is the last allocation and its length word is already set.
    }

    /// @notice The evaluation point of batch field element `fe`: w^bitrev12(fe mod 4096) mod r, with w
    /// the primitive 4096th root of unity 7^((r-1)/4096) (EIP-4844's order of a blob's elements).
    /// @param fe the field element's index in the batch
    /// @return z the evaluation point
    function evaluationPoint(uint256 fe) internal pure returns (uint256 z) {
        uint256 i = fe % FIELD_ELEMENTS_PER_BLOB;
        z = 1;
        // Bit k of bitrev12(i) is bit 11-k of i; W(k) = w^(2^k).
        for (uint256 k = 0; k < 12; ++k) {
            if ((i >> (11 - k)) & 1 == 1) z = mulmod(z, rootPower(k), BLS_MODULUS);
        }
    }

    /// @dev w^(2^k) for k = 0..11 (w the primitive 4096th root of unity of the BLS12-381 scalar field).
    function rootPower(uint256 k) private pure returns (uint256) {
        if (k == 0) return 0x564c0a11a0f704f4fc3e8acfe0f8245f0ad1347b378fbf96e206da11a5d36306;
        if (k == 1) return 0x6d031f1b5c49c83409f1ca610a08f16655ea6811be9c622d4a838b5d59cd79e5;
        if (k == 2) return 0x325db5c3debf77a18f4de02c0f776af3ea437f9626fc085e3c28d666a5c2d854;
        if (k == 3) return 0x095166525526a65439feec240d80689fd697168a3a6000fe4541b8ff2ee0434e;
        if (k == 4) return 0x4f9b4098e2e9f12e6b368121ac0cf4ad0a0865a899e8deff4935bd2f817f694b;
        if (k == 5) return 0x6898111413588742b7c68b4d7fdd60d098d0caac87f5713c5130c2c1660125be;
        if (k == 6) return 0x45af6345ec055e4d14a1e27164d8fdbd2d967f4be2f951558140d032f0a9ee53;
        if (k == 7) return 0x50e0903a157988bab4bcd40e22f55448bf6e88fb4c38fb8a360c60997369df4e;
        if (k == 8) return 0x20b1ce9140267af9dd1c0af834cec32c17beb312f20b6f7653ea61d87742bcce;
        if (k == 9) return 0x345766f603fa66e78c0625cd70d77ce2b38b21c28713b7007228fd3397743f7a;
        if (k == 10) return 0x00000000000000008d51ccce760304d0ec030002760300000001000000000000;
        return 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000000;
    }

    /// @notice Check the range's shape (it starts at `start`, holds `minCount..maxCount` values with 48
    /// bytes of proof each, a 48-byte commitment unless empty, and lies in one of the batch's blobs), then
    /// open every value against its blob's versioned hash. Reverts BlobRangeMismatch, OpeningOutOfGas or
    /// InvalidBlobOpening.
    /// @param r the range
    /// @param versionedHashes the batch's versioned hashes
    /// @param start the batch field element the range must start at
    /// @param minCount the fewest values the range may hold
    /// @param maxCount the most values the range may hold
    function openRange(
        BlobRange calldata r,
        bytes32[] calldata versionedHashes,
        uint256 start,
        uint256 minCount,
        uint256 maxCount
    ) internal view {
        uint256 n = r.values.length;
        uint256 blob = start / FIELD_ELEMENTS_PER_BLOB;
        bool shapeOk = r.start == start && n >= minCount && n <= maxCount && r.proofs.length == 48 * n
            && (n == 0 ? r.commitment.length == 0 : r.commitment.length == 48 && blob < versionedHashes.length);
        if (!shapeOk) revert BlobRangeMismatch(r.start, n);
        for (uint256 j = 0; j < n; ++j) {
            open(versionedHashes[blob], start + j, r.values[j], r.commitment, r.proofs[48 * j:48 * j + 48]);
        }
    }

    /// @dev One opening through the point-evaluation precompile. Gas is checked first, so that running
    /// out of it reverts the proof (OpeningOutOfGas) and can never read as a refused opening; the call
    /// gets exactly the precompile's price, and only 64 bytes equal to FIELD_ELEMENTS_PER_BLOB and the
    /// modulus count as success.
    function open(bytes32 versionedHash, uint256 fe, bytes32 value, bytes calldata commitment, bytes calldata proof)
        private
        view
    {
        uint256 z = evaluationPoint(fe);
        bytes memory input = abi.encodePacked(versionedHash, z, value, commitment, proof);
        if (gasleft() < OPENING_GAS_RESERVE) revert OpeningOutOfGas(fe);
        (bool ok, bytes memory ret) = POINT_EVALUATION.staticcall{gas: POINT_EVALUATION_GAS}(input);
        if (!ok || ret.length != 64) revert InvalidBlobOpening(fe);
        (uint256 count, uint256 modulus) = abi.decode(ret, (uint256, uint256));
        if (count != FIELD_ELEMENTS_PER_BLOB || modulus != BLS_MODULUS) revert InvalidBlobOpening(fe);
    }
}

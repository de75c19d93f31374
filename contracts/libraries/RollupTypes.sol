// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title RollupTypes
/// @notice Data shapes shared by the Rollup, the fraud verifier and their libraries.
/// Normative description: docs/protocol.md. TypeScript twins live in sequencer/protocol and sequencer/state.

/// @notice What Rollup stores a hash of for each batch; fraud proofs present it back.
/// @param chunkCount number of leaves: forced inbox entries first, then posted chunks
/// @param forcedCount number of forced inbox entries the batch consumes
/// @param inboxStart index of the first inbox entry the batch consumes
/// @param l1Block the L1 block the batch was submitted in (where its data can be read)
struct BatchHeader {
    uint64 index;
    bytes32 prevRoot;
    bytes32 postRoot;
    bytes32 dataRoot;
    uint32 chunkCount;
    uint32 forcedCount;
    uint64 inboxStart;
    uint64 timestamp;
    uint64 l1Block;
}

/// @notice One leaf of a batch as a fraud proof presents it: its body (for a forced leaf, the inbox
/// entry's body), its pre/post state roots and the Merkle path of its leaf in the batch's dataRoot
/// (bottom-up).
struct ChunkRef {
    uint32 index;
    bytes32 preRoot;
    bytes32 postRoot;
    bytes body;
    bytes32[] path;
}

/// @notice A proof of one state access (see StateTree), plus the preimage of the leaf's current value
/// when the value is a hash (record pointers).
struct Witness {
    uint16 depth;
    uint256 bitmap;
    bytes32[] siblings;
    bytes32 leafKey;
    bytes32 leafValue;
    bool neighbourIsLeaf;
    bytes32 neighbourA;
    bytes32 neighbourB;
    bytes preimage;
}

/// @notice A decoded transaction (all types share one shape; fields a type lacks are zero). The signer
/// is not part of the encoding: Transition recovers it from the signature.
/// `patient` is set for the delegated consent types, AnchorRecord and LogAccess; `other` is the grantee
/// (consent types), the delegate (SetDelegate), the reader (LogAccess) or the vault (RegisterVault);
/// `expiry` is a grant's, a delegation's or a vault registration's; `word` is the public key
/// (RegisterEncryptionKey) or the request hash (LogAccess).
/// Governance types (docs/protocol.md section 13): `other` is the issuer (RegisterIssuer, SetPolicy,
/// BreakGlass) or the subject (IssueCredential); `patient` is set for SetPolicy, RemovePolicy,
/// RequestAccess and BreakGlass; `word` is the organisation (IssueCredential, RequestAccess, BreakGlass);
/// `role`, `policyId`, `duration` are their fields of those names.
struct DecodedTx {
    uint8 txType;
    address patient;
    address other;
    uint8 access;
    uint32 categories;
    uint40 expiry;
    uint32 nonce;
    bytes32 recordId;
    bytes32 ciphertextHash;
    bytes32 locationHash;
    bytes32 word;
    uint8 category;
    uint32 version;
    uint8 role;
    uint32 policyId;
    uint32 duration;
    bytes32 r;
    bytes32 vs;
}

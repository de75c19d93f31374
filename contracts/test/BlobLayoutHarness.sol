// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {BlobLayout} from "../libraries/BlobLayout.sol";

/// @title BlobLayoutHarness
/// @notice Test-only: exposes BlobLayout's pure functions so that the shared vectors
/// (test/vectors/blob.json) can be replayed against the Solidity twin.
contract BlobLayoutHarness {
    /// @notice BlobLayout.scan of `values` in a slot of the given role.
    /// @param used the slot holds a leaf
    /// @param forced the leaf is forced
    /// @param last the leaf is the batch's last
    /// @param postRoot the header's post-root
    /// @param values the slot's first field elements
    /// @return fe the first failure's field element (values.length when none)
    /// @return code the failure's code (0 when none)
    /// @return bodyLength the length field once read
    function scan(bool used, bool forced, bool last, bytes32 postRoot, bytes32[] calldata values)
        external
        pure
        returns (uint256 fe, uint8 code, uint256 bodyLength)
    {
        BlobLayout.SlotRole memory r = BlobLayout.SlotRole({used: used, forced: forced, last: last, postRoot: postRoot});
        return BlobLayout.scan(r, values);
    }

    /// @notice BlobLayout.evaluationPoint.
    /// @param fe a batch field element's index
    /// @return the evaluation point
    function evaluationPoint(uint256 fe) external pure returns (uint256) {
        return BlobLayout.evaluationPoint(fe);
    }

    /// @notice A leaf's post-root and body from its slot's field elements (BlobLayout.rootOf, body).
    /// @param values the slot's first slotFieldElements(bodyLength) field elements
    /// @param bodyLength the slot's length field
    /// @return postRoot the slot's post-root
    /// @return body the leaf's body
    /// @return fes slotFieldElements(bodyLength)
    function leaf(bytes32[] calldata values, uint256 bodyLength)
        external
        pure
        returns (bytes32 postRoot, bytes memory body, uint256 fes)
    {
        return (BlobLayout.rootOf(values[0], values[1]), BlobLayout.body(values, bodyLength), BlobLayout.slotFieldElements(bodyLength));
    }
}

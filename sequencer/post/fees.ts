/**
 * Fee caps of a batch transaction and of its replacements (same nonce), pure. Nodes accept a
 * replacement only when it pays enough more than the transaction it replaces: geth's transaction pool
 * wants every fee cap 10% higher (we bump by 12.5%, as op-service's txmgr does); its blob pool wants a
 * blob transaction's every cap, maxFeePerBlobGas included, at least doubled (`--blobpool.pricebump`
 * 100%). A replacement never offers less than the current market either.
 */

/** The caps of one signed transaction (maxFeePerBlobGas: a blob transaction's). */
export interface FeeCaps {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  maxFeePerBlobGas?: bigint;
}

/** Replacement bump, per mille of the previous cap, by kind of transaction. */
export const REPLACEMENT_BUMP_PER_MILLE = { calldata: 1125n, blobs: 2000n } as const;

const max = (a: bigint, b: bigint) => (a > b ? a : b);

/** The cap a replacement must at least offer over `prev`: the bump, rounded up by one wei. */
function bumped(prev: bigint, perMille: bigint): bigint {
  return (prev * perMille) / 1000n + 1n;
}

/**
 * First caps of a transaction at current prices: the node's fee estimate, and for a blob transaction
 * twice the current blob base fee (it may double in about six full blocks; a stuck one is bumped).
 */
export function initialFees(market: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }, blobBaseFee: bigint | null): FeeCaps {
  const caps: FeeCaps = { maxFeePerGas: market.maxFeePerGas, maxPriorityFeePerGas: market.maxPriorityFeePerGas };
  if (blobBaseFee !== null) caps.maxFeePerBlobGas = max(2n * blobBaseFee, 1n);
  return caps;
}

/**
 * The caps of a replacement of `prev` at current prices (`market`, as initialFees gives them): each cap
 * the larger of the market's and the bump over `prev`'s. A blob transaction (prev carries
 * maxFeePerBlobGas) doubles all three; a replacement keeps its kind (a node refuses a blob transaction
 * replacing another kind, or the reverse).
 */
export function replacementFees(prev: FeeCaps, market: FeeCaps): FeeCaps {
  const blob = prev.maxFeePerBlobGas !== undefined;
  const perMille = blob ? REPLACEMENT_BUMP_PER_MILLE.blobs : REPLACEMENT_BUMP_PER_MILLE.calldata;
  const caps: FeeCaps = {
    maxFeePerGas: max(market.maxFeePerGas, bumped(prev.maxFeePerGas, perMille)),
    maxPriorityFeePerGas: max(market.maxPriorityFeePerGas, bumped(prev.maxPriorityFeePerGas, perMille)),
  };
  if (blob) caps.maxFeePerBlobGas = max(market.maxFeePerBlobGas ?? 0n, bumped(prev.maxFeePerBlobGas!, perMille));
  // a priority fee above the fee cap is invalid: the cap follows the tip
  if (caps.maxPriorityFeePerGas > caps.maxFeePerGas) caps.maxFeePerGas = caps.maxPriorityFeePerGas;
  return caps;
}

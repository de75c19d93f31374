/**
 * Fee caps of a batch transaction and of its replacements (same nonce), pure. Nodes accept a
 * replacement only when it pays enough more than the transaction it replaces: geth's transaction pool
 * wants every fee cap 10% higher (we bump by 12.5%, as op-service's txmgr does); its blob pool wants a
 * blob transaction's every cap, maxFeePerBlobGas included, at least doubled (`--blobpool.pricebump`
 * 100%). A replacement never offers less than the current market either, and no cap exceeds the
 * operator's ceiling (EPHR_MAX_FEE_PER_GAS_GWEI, EPHR_MAX_FEE_PER_BLOB_GAS_GWEI): at the ceiling a stuck
 * transaction is left to be mined as prices fall, not replaced.
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

const min = (a: bigint, b: bigint) => (a < b ? a : b);

/** The most a batch transaction may offer per gas and per blob gas (wei). */
export interface FeeCeiling {
  maxFeePerGas: bigint;
  maxFeePerBlobGas: bigint;
}

/** No ceiling (tests, and callers that bound fees elsewhere). */
export const NO_FEE_CEILING: FeeCeiling = { maxFeePerGas: 2n ** 255n, maxFeePerBlobGas: 2n ** 255n };

/** `caps` held to `ceiling` (the tip never above the fee cap). */
function clip(caps: FeeCaps, ceiling: FeeCeiling): FeeCaps {
  const out: FeeCaps = { maxFeePerGas: min(caps.maxFeePerGas, ceiling.maxFeePerGas), maxPriorityFeePerGas: caps.maxPriorityFeePerGas };
  out.maxPriorityFeePerGas = min(out.maxPriorityFeePerGas, out.maxFeePerGas);
  if (caps.maxFeePerBlobGas !== undefined) out.maxFeePerBlobGas = min(caps.maxFeePerBlobGas, ceiling.maxFeePerBlobGas);
  return out;
}

/**
 * First caps of a transaction at current prices: the node's fee estimate, and for a blob transaction
 * twice the current blob base fee (it may double in about six full blocks; a stuck one is bumped);
 * held to `ceiling` (a market above it: the transaction waits for prices to fall).
 */
export function initialFees(
  market: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint },
  blobBaseFee: bigint | null,
  ceiling: FeeCeiling = NO_FEE_CEILING,
): FeeCaps {
  const caps: FeeCaps = { maxFeePerGas: market.maxFeePerGas, maxPriorityFeePerGas: market.maxPriorityFeePerGas };
  if (blobBaseFee !== null) caps.maxFeePerBlobGas = max(2n * blobBaseFee, 1n);
  return clip(caps, ceiling);
}

/** Whether `caps` reach `ceiling` in a cap (what a log and a metric say when they do). */
export function atCeiling(caps: FeeCaps, ceiling: FeeCeiling): boolean {
  return caps.maxFeePerGas >= ceiling.maxFeePerGas || (caps.maxFeePerBlobGas !== undefined && caps.maxFeePerBlobGas >= ceiling.maxFeePerBlobGas);
}

/**
 * The caps of a replacement of `prev` at current prices (`market`, as initialFees gives them): each cap
 * the larger of the market's and the bump over `prev`'s. A blob transaction (prev carries
 * maxFeePerBlobGas) doubles all three; a replacement keeps its kind (a node refuses a blob transaction
 * replacing another kind, or the reverse). Null when a cap bumped would pass `ceiling`: no replacement.
 */
export function replacementFees(prev: FeeCaps, market: FeeCaps, ceiling: FeeCeiling = NO_FEE_CEILING): FeeCaps | null {
  const blob = prev.maxFeePerBlobGas !== undefined;
  const perMille = blob ? REPLACEMENT_BUMP_PER_MILLE.blobs : REPLACEMENT_BUMP_PER_MILLE.calldata;
  const caps: FeeCaps = {
    maxFeePerGas: max(market.maxFeePerGas, bumped(prev.maxFeePerGas, perMille)),
    maxPriorityFeePerGas: max(market.maxPriorityFeePerGas, bumped(prev.maxPriorityFeePerGas, perMille)),
  };
  if (blob) caps.maxFeePerBlobGas = max(market.maxFeePerBlobGas ?? 0n, bumped(prev.maxFeePerBlobGas!, perMille));
  // a priority fee above the fee cap is invalid: the cap follows the tip
  if (caps.maxPriorityFeePerGas > caps.maxFeePerGas) caps.maxFeePerGas = caps.maxPriorityFeePerGas;
  // every cap must rise by the bump for a node to take the replacement: past the ceiling, none is made
  const clipped = clip(caps, ceiling);
  const rises = (next: bigint, before: bigint) => next >= bumped(before, perMille);
  if (!rises(clipped.maxFeePerGas, prev.maxFeePerGas) || !rises(clipped.maxPriorityFeePerGas, prev.maxPriorityFeePerGas)) return null;
  if (blob && !rises(clipped.maxFeePerBlobGas!, prev.maxFeePerBlobGas!)) return null;
  return clipped;
}

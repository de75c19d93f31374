/**
 * ETH amounts as operators write them, in exactly one of two spellings: a decimal number of ETH ("10",
 * "2.5", at most 18 decimals) or a whole number of wei with the unit attached ("1000wei"). Anything else
 * ("1000 wei", "10 ETH", "1e18", " 10") is refused rather than guessed at: a bond is immutable once
 * deployed. Used by the deployment parameters and the CLI; written out (not viem's parseEther) so the
 * CLI's option parsing loads nothing heavy.
 */
export const ETH_AMOUNT_SPELLINGS = 'a decimal number of ETH ("10", "2.5") or wei as "1000wei", without spaces';

/** The amount in wei, or null when `v` is not one of the two spellings. */
export function parseEthAmount(v: string): bigint | null {
  if (/^[0-9]+wei$/.test(v)) return BigInt(v.slice(0, -3));
  const m = /^([0-9]+)(?:\.([0-9]{1,18}))?$/.exec(v);
  if (m === null) return null;
  return BigInt(m[1]!) * 10n ** 18n + BigInt((m[2] ?? "").padEnd(18, "0"));
}

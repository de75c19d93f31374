/**
 * Registering a development vault with the network's registrar (docs/protocol.md section 4: only a
 * registered vault may log the reads it serves). `npm start`, `npm run demo` and the tests that run a
 * vault use it; on a real network the registrar's operator does the same with `cli register-vault`.
 */
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type EphrClient, signerOf } from "../../sdk/client.js";

const DAY = 86_400;

/**
 * Make sure `vault` is registered until at least `minDays` from now: if it is not (or its registration
 * ends sooner), the registrar signs a RegisterVault until `days` from now, and this waits until the
 * sequencer has executed it. Returns the registration's expiry and whether it was sent now.
 */
export async function ensureVaultRegistered(
  client: EphrClient,
  registrarKey: Hex,
  vault: Address,
  opts: { days?: number; minDays?: number } = {},
): Promise<{ expiry: number; registered: boolean }> {
  const now = Math.floor(Date.now() / 1000);
  const current = (await client.getVault(vault, "soft")).value?.expiry ?? 0;
  if (current > now + (opts.minDays ?? 30) * DAY) return { expiry: current, registered: false };
  const expiry = now + (opts.days ?? 365) * DAY;
  const hash = await client.send(signerOf(privateKeyToAccount(registrarKey)), { type: "RegisterVault", vault, expiry });
  await client.waitFor(hash, "executed");
  return { expiry, registered: true };
}

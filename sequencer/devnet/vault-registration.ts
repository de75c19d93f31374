/**
 * Registering a development vault, or a development credential issuer, with the network's registrar
 * (docs/protocol.md sections 4 and 13: only a registered vault may log the reads it serves, only a
 * registered issuer's credentials count). `npm start`, `npm run demo` and the tests that run a vault
 * use it; on a real network the registrar's operator does the same with `cli register-vault` and
 * `cli issuer register`.
 */
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type EphrClient, signerOf } from "../../sdk/client.js";

const DAY = 86_400;

export interface RegistrationOptions {
  /** the length of a new registration (default 365 days) */
  days?: number;
  /** a registration ending sooner than this is renewed (default 30 days) */
  minDays?: number;
}

/**
 * Make sure `account` is registered (as a vault or an issuer) until at least `minDays` from now: if it
 * is not (or its registration ends sooner), the registrar signs a RegisterVault / RegisterIssuer until
 * `days` from now, and this waits until the sequencer has executed it. Returns the registration's
 * expiry and whether it was sent now.
 */
async function ensureRegistered(
  client: EphrClient,
  registrarKey: Hex,
  kind: "vault" | "issuer",
  account: Address,
  opts: RegistrationOptions,
): Promise<{ expiry: number; registered: boolean }> {
  const now = Math.floor(Date.now() / 1000);
  const current = (kind === "vault" ? await client.getVault(account, "soft") : await client.getIssuer(account, "soft")).value?.expiry ?? 0;
  if (current > now + (opts.minDays ?? 30) * DAY) return { expiry: current, registered: false };
  const expiry = now + (opts.days ?? 365) * DAY;
  const registrar = signerOf(privateKeyToAccount(registrarKey));
  const hash = await client.send(
    registrar,
    kind === "vault" ? { type: "RegisterVault", vault: account, expiry } : { type: "RegisterIssuer", issuer: account, expiry },
  );
  await client.waitFor(hash, "executed");
  return { expiry, registered: true };
}

export const ensureVaultRegistered = (client: EphrClient, registrarKey: Hex, vault: Address, opts: RegistrationOptions = {}) =>
  ensureRegistered(client, registrarKey, "vault", vault, opts);

export const ensureIssuerRegistered = (client: EphrClient, registrarKey: Hex, issuer: Address, opts: RegistrationOptions = {}) =>
  ensureRegistered(client, registrarKey, "issuer", issuer, opts);

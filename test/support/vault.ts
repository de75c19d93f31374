/** Mocha helpers for the vault and the key custodian: a refusal with its stable code. */
import { expect } from "chai";
import { VaultRequestError } from "../../sdk/vault.js";

/** `p` must be refused with the vault code `code`; the error, for more checks. */
export async function vaultRefused(p: Promise<unknown>, code: string): Promise<VaultRequestError> {
  try {
    await p;
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(VaultRequestError);
    expect((e as VaultRequestError).vaultCode, (e as Error).message).to.equal(code);
    return e as VaultRequestError;
  }
  expect.fail(`expected ${code}`);
}

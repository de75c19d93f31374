import { expect } from "chai";
import type { EphrClient } from "./client.js";
import { VaultClient, VaultRequestError } from "./vault.js";

const ROLLUP = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
const ledger = { domain: async () => ({ chainId: 31337, verifyingContract: ROLLUP }) } as unknown as EphrClient;
const answering = (status: number, body: string) => (async () => new Response(body, { status })) as unknown as typeof fetch;

async function refusal(client: VaultClient): Promise<VaultRequestError> {
  let err: unknown = null;
  await client.vaultInfo().catch((e: unknown) => (err = e));
  expect(err).to.be.instanceOf(VaultRequestError);
  return err as VaultRequestError;
}

describe("VaultClient: which vault it talks to", () => {
  it("accepts a vault of the client's own chain and Rollup", async () => {
    const info = { vault: "0x00000000000000000000000000000000000000aa", chainId: 31337, rollup: ROLLUP };
    expect(await new VaultClient("http://vault", ledger, answering(200, JSON.stringify(info))).vaultInfo()).to.deep.equal(info);
  });

  it("refuses a vault of another chain or Rollup before signing anything for it", async () => {
    const other = { vault: "0x00000000000000000000000000000000000000aa", chainId: 1, rollup: ROLLUP };
    expect((await refusal(new VaultClient("http://vault", ledger, answering(200, JSON.stringify(other))))).vaultCode).to.equal("VAULT_WRONG_DEPLOYMENT");
    const moved = { ...other, chainId: 31337, rollup: "0x0000000000000000000000000000000000000001" };
    expect((await refusal(new VaultClient("http://vault", ledger, answering(200, JSON.stringify(moved))))).vaultCode).to.equal("VAULT_WRONG_DEPLOYMENT");
  });

  it("names a vault that answers without JSON or without its info", async () => {
    const proxy = await refusal(new VaultClient("http://vault", ledger, answering(502, "<html>Bad Gateway</html>")));
    expect(proxy.vaultCode).to.equal("VAULT_UNREACHABLE");
    expect(proxy.message).to.match(/HTTP 502 with a body that is not JSON/);
    expect((await refusal(new VaultClient("http://vault", ledger, answering(404, "{}")))).vaultCode).to.equal("VAULT_UNREACHABLE");
  });
});

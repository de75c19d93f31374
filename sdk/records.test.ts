/**
 * encryptionKeyOf: the key a writer wraps data keys to is always one proven at the asked trust level,
 * and the newest one the account registered.
 */
import { expect } from "chai";
import type { Address, Hex } from "viem";
import type { EphrClient } from "./client.js";
import { EphrError } from "./errors.js";
import { encryptionKeyOf } from "./records.js";

const ACCOUNT = "0x00000000000000000000000000000000000000a1" as Address;
const K1 = `0x${"11".repeat(32)}` as Hex;
const K2 = `0x${"22".repeat(32)}` as Hex;

/** A client whose answers per trust level are scripted: one entry per call, the last one repeats. */
function scripted(answers: Record<"soft" | "posted" | "final", (Hex | null | "RootUnavailable")[]>) {
  const calls: string[] = [];
  const client = {
    async getEncryptionKey(account: Address, trust: "soft" | "posted" | "final") {
      expect(account).to.equal(ACCOUNT);
      calls.push(trust);
      const list = answers[trust];
      const a = list.length > 1 ? list.shift()! : list[0]!;
      if (a === "RootUnavailable") throw new EphrError("no batch is posted on L1 yet", 1202);
      return { value: a, exists: a !== null };
    },
  };
  return { client: client as unknown as EphrClient, calls };
}

const fast = { pollMs: 5, waitMs: 500 };

/** The error `p` rejects with (null if it resolves). */
const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: EphrError) => e,
  );

describe("sdk: encryptionKeyOf", () => {
  it("returns the key proven at the posted level when it is the newest one registered", async () => {
    const { client, calls } = scripted({ soft: [K1], posted: [K1], final: [null] });
    expect(await encryptionKeyOf(client, ACCOUNT, fast)).to.deep.equal(Uint8Array.from(Buffer.from(K1.slice(2), "hex")));
    expect(calls).to.deep.equal(["soft", "posted"]);
  });

  it("waits for a just-registered key to be posted instead of using the unproven one", async () => {
    const { client, calls } = scripted({ soft: [K1], posted: ["RootUnavailable", null, K1], final: [null] });
    expect(await encryptionKeyOf(client, ACCOUNT, fast)).to.deep.equal(Uint8Array.from(Buffer.from(K1.slice(2), "hex")));
    expect(calls).to.deep.equal(["soft", "posted", "posted", "posted"]);
  });

  it("waits for a rotation to be posted rather than wrap to the key it replaces", async () => {
    const { client } = scripted({ soft: [K2], posted: [K1, K1, K2], final: [null] });
    expect(await encryptionKeyOf(client, ACCOUNT, fast)).to.deep.equal(Uint8Array.from(Buffer.from(K2.slice(2), "hex")));
  });

  it("never returns a key the sequencer claims but L1 does not prove: it times out with a clear error", async () => {
    const { client } = scripted({ soft: [K2], posted: [K1], final: [null] });
    const err = await failure(encryptionKeyOf(client, ACCOUNT, fast));
    expect(err?.name).to.equal("TimeoutError");
    expect(err?.message).to.include("not posted on L1 yet");
  });

  it("answers NoEncryptionKeyError for an account that registered no key", async () => {
    const { client } = scripted({ soft: [null], posted: [null], final: [null] });
    const err = await failure(encryptionKeyOf(client, ACCOUNT, fast));
    expect(err?.name).to.equal("NoEncryptionKeyError");
    expect(err?.code).to.equal(2005);
  });

  it("reads at the final level when asked", async () => {
    const { client, calls } = scripted({ soft: [K1], posted: [null], final: [K1] });
    await encryptionKeyOf(client, ACCOUNT, { ...fast, trust: "final" });
    expect(calls).to.deep.equal(["soft", "final"]);
  });

  it("passes on errors other than a root not yet available", async () => {
    const client = {
      async getEncryptionKey(_a: Address, trust: string) {
        if (trust === "soft") return { value: K1, exists: true };
        throw new EphrError("the proof does not verify", 2001);
      },
    } as unknown as EphrClient;
    const err = await failure(encryptionKeyOf(client, ACCOUNT, fast));
    expect(err?.code).to.equal(2001);
  });
});

/**
 * The vault's ledger decisions when the posted state it is shown lags what the writer was told: a
 * refusal in the posted state stands only when the executed state refuses too; otherwise the posted
 * state is asked again, for a bounded time. The ledger is a fake client answering per trust level.
 */
import { expect } from "chai";
import type { Address, Hex } from "viem";
import type { EphrClient } from "../sdk/client.js";
import { ACCESS_READ } from "../sequencer/protocol/constants.js";
import { AccessControl } from "./access.js";
import { VaultError } from "./errors.js";

const PATIENT = "0x00000000000000000000000000000000000000aa" as Address;
const READER = "0x00000000000000000000000000000000000000bb" as Address;
const RECORD = `0x${"11".repeat(32)}` as Hex;
const CATEGORY = 2;

const record = (version: number) => ({
  provider: "0x00000000000000000000000000000000000000cc" as Address,
  ciphertextHash: `0x${"22".repeat(32)}` as Hex,
  locationHash: `0x${"33".repeat(32)}` as Hex,
  category: CATEGORY,
  version,
});
const consent = { access: ACCESS_READ, categories: 1 << CATEGORY, expiry: Math.floor(Date.now() / 1000) + 3600 };

function answer<T>(value: T | null, batch: number) {
  return {
    key: "0x",
    exists: value !== null,
    value,
    rawValue: null,
    proof: null,
    root: `0x${batch.toString(16).padStart(64, "0")}`,
    committed: { batch },
    trust: "posted",
  };
}

/**
 * A client whose posted answers follow `posted` (one per call, the last repeated) and whose executed
 * answer is `soft`; it counts the calls per trust level.
 */
function ledger<T>(posted: (T | null)[], soft: T | null) {
  const calls = { posted: 0, soft: 0 };
  const at = (trust: string) => {
    if (trust === "soft") {
      calls.soft++;
      return answer(soft, 9);
    }
    const v = posted[Math.min(calls.posted, posted.length - 1)]!;
    calls.posted++;
    return answer(v, calls.posted);
  };
  const client = {
    getRecord: async (_p: Address, _r: Hex, trust: string) => at(trust),
    getConsent: async (_p: Address, _g: Address, trust: string) => at(trust),
  } as unknown as EphrClient;
  return { client, calls };
}

async function refusal(p: Promise<unknown>): Promise<VaultError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof VaultError) return e;
    throw e;
  }
  throw new Error("expected a VaultError");
}

describe("vault access: a posted state behind the executed one", () => {
  const quick = { catchUpMs: 2_000, pollMs: 10 };

  it("serves a record whose anchor reaches the posted state while it waits (a replica a moment behind)", async () => {
    const l = ledger([null, null, record(1)], record(1));
    const a = await new AccessControl(l.client, quick).anchored(PATIENT, RECORD);
    expect(a.version).to.equal(1);
    expect(l.calls).to.deep.equal({ posted: 3, soft: 1 });
  });

  it("refuses at once, without waiting, a record the executed state does not hold either", async () => {
    const l = ledger([null], null);
    const started = Date.now();
    const e = await refusal(new AccessControl(l.client, { catchUpMs: 60_000, pollMs: 10 }).anchored(PATIENT, RECORD));
    expect(e.code).to.equal("VAULT_NOT_ANCHORED");
    expect(Date.now() - started).to.be.below(1_000);
    expect(l.calls).to.deep.equal({ posted: 1, soft: 1 });
  });

  it("refuses after the bound, saying the anchor is executed and not yet posted, when the posted state never catches up", async () => {
    const l = ledger([null], record(1));
    const e = await refusal(new AccessControl(l.client, { catchUpMs: 100, pollMs: 10 }).anchored(PATIENT, RECORD));
    expect(e.code).to.equal("VAULT_NOT_ANCHORED");
    expect(e.message).to.match(/executed its anchor, not yet posted/);
    expect(l.calls.posted).to.be.above(2);
  });

  it("waits for a requested version the executed state anchors, and refuses one it does not as not current", async () => {
    const waits = ledger([record(1), record(2)], record(2));
    expect((await new AccessControl(waits.client, quick).anchored(PATIENT, RECORD, 2)).version).to.equal(2);
    const none = ledger([record(1)], record(1));
    expect((await refusal(new AccessControl(none.client, quick).anchored(PATIENT, RECORD, 2))).code).to.equal("VAULT_NOT_CURRENT");
    expect(none.calls).to.deep.equal({ posted: 1, soft: 1 });
  });

  it("lets a reader whose grant reaches the posted state while it waits read, and refuses one the executed state refuses at once", async () => {
    const waits = ledger([null, consent], consent);
    const ok = await new AccessControl(waits.client, quick).mayRead(READER, PATIENT, CATEGORY);
    expect(ok.consent).to.deep.equal(consent);
    const none = ledger([null], null);
    const e = await refusal(new AccessControl(none.client, quick).mayRead(READER, PATIENT, CATEGORY));
    expect(e.code).to.equal("VAULT_NO_CONSENT");
    expect(none.calls).to.deep.equal({ posted: 1, soft: 1 });
  });

  it("never lets a grant the executed state revoked be read, even when the posted state still holds it", async () => {
    const l = ledger([consent], null);
    expect((await refusal(new AccessControl(l.client, quick).mayRead(READER, PATIENT, CATEGORY))).code).to.equal("VAULT_REVOKED");
  });
});

import { expect } from "chai";
import { DEV_KEYS, DEV_ROLES } from "../../sequencer/devnet/accounts.js";
import { keccak256 } from "../../sequencer/protocol/hash.js";
import { signTx } from "../../sequencer/protocol/sign.js";
import { addressOf } from "../../sequencer/protocol/signature.js";
import { TreeState } from "../../sequencer/state/access.js";
import { applyTx } from "../../sequencer/state/transition.js";
import { mixBody, mixBodySize, mixUnits, parseWorkload, registrations } from "../../scripts/bench-workload.js";

const sep = keccak256(new TextEncoder().encode("bench workload test domain"));
const registrarKey = DEV_KEYS[DEV_ROLES.registrar]!;
const ctx = { domainSeparator: sep, registrar: addressOf(registrarKey), timestamp: 1_800_000_000 };

describe("bench:sequencer's workload mix (scripts/bench-workload.ts)", () => {
  it("executes every transaction of the mix as valid, in the order it is sent, after the vaults' registrations", () => {
    const state = new TreeState();
    const expiry = ctx.timestamp + 86_400;
    const bodies = 3;
    for (const u of registrations(bodies, registrarKey, 0, expiry)) expect(applyTx(state, signTx(sep, u.tx, u.key), ctx).ok).to.equal(true);
    const counts: Record<string, number> = {};
    // bodies are sent concurrently: they share no signer, so any order of whole bodies works; run them backwards
    for (let b = bodies - 1; b >= 0; b--) {
      const body = mixBody(b, 100, expiry);
      expect(body).to.have.length(mixBodySize(100));
      for (const u of body) {
        const out = applyTx(state, signTx(sep, u.tx, u.key), ctx);
        expect(out, `${u.tx.type} of body ${b}`).to.deep.include({ ok: true });
        counts[u.tx.type] = (counts[u.tx.type] ?? 0) + 1;
      }
    }
    // per 9 transactions: 2 grants, 2 anchors, 4 access logs, 1 revocation
    expect(counts).to.deep.equal({ GrantConsent: 22 * 3, AnchorRecord: 22 * 3, LogAccess: 44 * 3, RevokeConsent: 11 * 3 });
  });

  it("gives no two bodies a signer in common, so concurrent bodies cannot overtake each other's nonces", () => {
    const signers = (b: number) => new Set(mixBody(b, 50, 1).map((u) => u.key));
    const a = signers(0);
    for (const k of signers(1)) expect(a.has(k)).to.equal(false);
  });

  it("fits whole units in a request and refuses a request too small for one", () => {
    expect(mixUnits(9)).to.deep.equal([5, 4]);
    expect(mixUnits(13)).to.deep.equal([5, 4]);
    expect(mixBodySize(100)).to.equal(99);
    expect(() => mixUnits(4)).to.throw(/at least 5/);
    expect(parseWorkload(undefined)).to.equal("grant");
    expect(() => parseWorkload("mixed")).to.throw(/BENCH_WORKLOAD must be "grant" or "mix"/);
  });
});

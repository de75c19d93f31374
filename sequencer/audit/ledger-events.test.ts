import { expect } from "chai";
import { denialOfLogLine, LedgerMapper, rolesOf } from "./ledger-events.js";

const A = "0xAAaaAAaaAAaaAAaaAAaaAAaaAAaaAAaaAAaaAAaa";
const B = "0xBbBBbbBBbbBBbbBBbbBBbbBBbbBBbbBBbbBBbbBb";
const R = "0x1111111111111111111111111111111111111111111111111111111111111111";

/** Ledger entries of one signer's transactions at `base + seq` seconds. */
const entryAt =
  (base: number) =>
  (seq: number, signer: string, tx: Record<string, unknown>, status = "executed") => ({
    seq,
    hash: `0x${seq}`,
    status,
    signer,
    timestamp: base + seq,
    tx: tx as never,
  });

describe("auditor: ledger entries and vault log lines to events", () => {
  it("maps grants, revocations and reads (with the anchored record's category), lower-casing addresses", () => {
    const m = new LedgerMapper();
    const entry = entryAt(1000);
    expect(m.eventsOf(entry(0, A, { type: "GrantConsent", grantee: B, access: 3, categories: 2, expiry: 9999 }))).to.deep.equal([
      { kind: "grant", t: 1000, patient: A.toLowerCase(), grantee: B.toLowerCase(), categories: 2, expiry: 9999, ref: { seq: 0, hash: "0x0" } },
    ]);
    expect(m.eventsOf(entry(1, B, { type: "AnchorRecord", patient: A, recordId: R, category: 12 }))).to.deep.equal([]);
    const [read] = m.eventsOf(entry(2, "0xvault", { type: "LogAccess", patient: A, reader: B, recordId: R }));
    expect(read).to.include({ kind: "access", category: 12, reader: B.toLowerCase() });
    const [unknown] = m.eventsOf(entry(3, "0xvault", { type: "LogAccess", patient: B, reader: A, recordId: R }));
    expect(unknown).to.include({ category: -1 });
    expect(m.eventsOf(entry(4, A, { type: "RevokeConsent", grantee: B }, "dropped")), "a dropped revocation took no effect").to.deep.equal([]);
    expect(m.eventsOf(entry(5, "0xvault", { type: "LogAccess", patient: A, reader: B, recordId: R }, "dropped"))).to.have.length(1);
    expect(m.eventsOf(entry(6, A, { type: "GrantConsent", grantee: B, access: 2, categories: 2, expiry: 9 }))[0]).to.include({ categories: 0 });
  });

  it("maps the governance transactions: a credential's role, a policy's grant on request, a break-glass opening", () => {
    const m = new LedgerMapper();
    const entry = entryAt(5000);
    expect(m.eventsOf(entry(0, "0xboard", { type: "IssueCredential", subject: B, role: 1, organisation: R, expiry: 9999 }))).to.deep.equal([
      { kind: "role", t: 5000, reader: B.toLowerCase(), role: "emergency", ref: { seq: 0, hash: "0x0" } },
    ]);
    expect(m.eventsOf(entry(1, "0xboard", { type: "IssueCredential", subject: B, role: 1, organisation: R, expiry: 0 })), "a revocation").to.deep.equal([]);
    expect(
      m.eventsOf(entry(2, A, { type: "SetPolicy", patient: A, policyId: 7, issuer: "0xboard", role: 2, access: 1, categories: 6, duration: 600 })),
    ).to.deep.equal([]);
    expect(m.eventsOf(entry(3, B, { type: "RequestAccess", patient: A, policyId: 7, organisation: R }))).to.deep.equal([
      { kind: "grant", t: 5003, patient: A.toLowerCase(), grantee: B.toLowerCase(), categories: 6, expiry: 5603, ref: { seq: 3, hash: "0x3" } },
    ]);
    m.eventsOf(entry(4, A, { type: "RemovePolicy", patient: A, policyId: 7 }));
    expect(
      m.eventsOf(entry(5, B, { type: "RequestAccess", patient: A, policyId: 7, organisation: R }))[0],
      "an unknown policy: a care relationship, nothing open",
    ).to.include({
      categories: 0,
      expiry: 5005,
    });
    expect(m.eventsOf(entry(6, B, { type: "BreakGlass", patient: A, issuer: "0xboard", organisation: R, categories: 3 }))).to.deep.equal([
      { kind: "breakglass", t: 5006, reader: B.toLowerCase(), patient: A.toLowerCase(), categories: 3, ref: { seq: 6, hash: "0x6" } },
    ]);
    expect(m.eventsOf(entry(7, B, { type: "BreakGlass", patient: A, issuer: "0xboard", organisation: R, categories: 3 }, "dropped"))).to.deep.equal([]);
  });

  it("reads the vault's 'read denied' lines and nothing else", () => {
    const line = JSON.stringify({
      level: 40,
      time: "2026-12-07T04:00:00.000Z",
      msg: "read denied",
      reader: A,
      patient: B,
      code: "VAULT_NO_CONSENT",
      requestHash: R,
    });
    expect(denialOfLogLine(line)).to.deep.equal({
      kind: "denial",
      t: Date.parse("2026-12-07T04:00:00.000Z") / 1000,
      reader: A.toLowerCase(),
      patient: B.toLowerCase(),
      code: "VAULT_NO_CONSENT",
      ref: { seq: null, hash: R },
    });
    expect(denialOfLogLine(JSON.stringify({ msg: "record stored", reader: A }))).to.equal(null);
    expect(denialOfLogLine('{"msg":"read denied", broken')).to.equal(null);
  });

  it("refuses a roles file that is not an object of address to role", () => {
    expect(rolesOf({ [A]: "nurse" })).to.deep.equal([{ kind: "role", t: 0, reader: A.toLowerCase(), role: "nurse", ref: null }]);
    expect(() => rolesOf([])).to.throw(/JSON object/);
    expect(() => rolesOf({ nobody: "nurse" })).to.throw(/address/);
  });
});

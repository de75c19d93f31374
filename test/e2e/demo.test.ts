/**
 * The walkthrough of issue 6, end to end against the real services: consent from FHIR, an encrypted FHIR
 * Observation stored and anchored, read and decrypted by the specialist, revoked, denied, audited; and
 * (issue 19) a credentialed specialist's access by the patient's policy, an emergency clinician's
 * break-glass read marked by the vault, revoked by the patient.
 */
import { expect } from "chai";
import type { startVault } from "../../vault/main.js";
import { runDemo } from "../../scripts/demo-story.js";
import { type Devnet, registerTestVault, startDevnet, startInProcess, startTestCustodian, startTestVault } from "../../sequencer/testing/devnet.js";

describe("end to end: the patient, hospital and specialist walkthrough", function () {
  this.timeout(180_000);
  let d: Devnet;
  let sys: Awaited<ReturnType<typeof startInProcess>>;
  let vault: Awaited<ReturnType<typeof startVault>>;
  let custodian: Awaited<ReturnType<typeof startTestCustodian>>;
  after(async () => {
    await custodian?.stop();
    await vault?.stop();
    await sys?.stop();
    await d?.stop();
  });

  it("grants, stores, reads, revokes, denies, and the audit trail shows all of it", async () => {
    d = await startDevnet({ config: { maxBatchAgeMs: 200 } });
    sys = await startInProcess(d);
    await registerTestVault(sys.client);
    vault = await startTestVault(d, sys.api.url, { EPHR_VAULT_MAX_BYTES: 1 << 20, EPHR_LOG_LEVEL: "warn" });
    const lines: string[] = [];
    custodian = await startTestCustodian(d, sys.api.url, vault.url);
    const r = await runDemo({
      apiUrl: sys.api.url,
      vaultUrl: vault.url,
      custodianUrl: custodian.url,
      l1: { client: d.l1Client, rollup: d.deployment.rollup },
      say: (l) => lines.push(l),
    });
    expect(r.observationValue, "the specialist decrypted the glucose value").to.equal(97);
    expect(r.deniedWith).to.be.oneOf(["VAULT_REVOKED", "VAULT_NO_CONSENT"]);
    const types = r.history.map((h) => h.type);
    expect(types).to.include.members([
      "RegisterEncryptionKey",
      "GrantConsent",
      "AnchorRecord",
      "LogAccess",
      "RevokeConsent",
      "SetPolicy",
      "RequestAccess",
      "BreakGlass",
    ]);
    // the hospital's, the specialist's and the key custodian's
    expect(types.filter((t) => t === "GrantConsent")).to.have.length(3);
    // the specialist's, Dr. Kim's, the custodian's (to wrap the key for Dr. Ortiz) and Dr. Ortiz's reads
    expect(r.accessLog).to.equal(4);
    expect(r.vaultAudit.map((a) => a.outcome)).to.deep.equal(["served", "denied", "served", "served", "served"]);
    expect(
      r.vaultAudit.map((a) => a.breakGlassTx ?? null),
      "only the emergency read is marked",
    ).to.deep.equal([null, null, null, null, r.breakGlass]);
    expect(lines.join("\n")).to.include("the custodian checked the break-glass grant against L1 and wrapped the key for Dr. Ortiz");
    expect(lines.join("\n")).to.include("decrypted: Glucose [Mass/volume] in Blood = 97 mg/dL");
  });
});

/**
 * Issue 19 items 1 and 5 through the running system (a real Hardhat node, Redis, sequencer and API):
 * a credential the ledger holds exported as a W3C Verifiable Credential and verified against the
 * ledger and L1 (SDK and CLI), a presented VC imported as the IssueCredential its issuer signs, and a
 * FHIR policy Consent posted to the facade's $translate becoming the policy a RequestAccess then uses.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type EphrClient, signerOf, type TypedDataSigner } from "../../sdk/client.js";
import { exportCredential, importCredential, verifyCredentialOnLedger } from "../../sdk/credentials.js";
import { CredentialError, type CredentialErrorCode } from "../../sequencer/credentials/errors.js";
import { credentialTypedData, signedCredential, unsignedCredential } from "../../sequencer/credentials/vc.js";
import { consentFromPolicy, consentId, GRANT_BASIS_EXTENSION, translateAnyConsent } from "../../sequencer/fhir/index.js";
import { policyConsentId } from "../../sequencer/fhir/ledger-policy.js";
import { organisationHash, ROLE_CODES } from "../../sequencer/protocol/roles.js";
import { testAccount } from "../../sequencer/testing/accounts.js";
import { cliEnv, runCliAsync } from "../../sequencer/testing/cli.js";
import { type Devnet, devAccount, startDevnet, startInProcess } from "../../sequencer/testing/devnet.js";

const ORG = "urn:oid:2.16.840.1.113883.3.city-hospital";
const LAB = 1;
const now = () => Math.floor(Date.now() / 1000);
const person = (name: string) => {
  const { privateKey } = testAccount(`vcfhir-${name}`);
  return { privateKey, signer: signerOf(privateKeyToAccount(privateKey)) as TypedDataSigner };
};

async function refused(p: Promise<unknown>, code: CredentialErrorCode): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof CredentialError)) throw e;
    expect(e.code, e.message).to.equal(code);
    return;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

describe("credentials as Verifiable Credentials, and FHIR policy Consents, through the running system", function () {
  this.timeout(180_000);
  let d: Devnet;
  let sys: Awaited<ReturnType<typeof startInProcess>>;
  let c: EphrClient;
  const [board, specialist, nurse, patient, stranger] = ["board", "specialist", "nurse", "patient", "stranger"].map(person) as ReturnType<typeof person>[];
  let expiry: number;

  before(async () => {
    d = await startDevnet({ config: { maxBatchAgeMs: 200 } });
    sys = await startInProcess(d);
    c = sys.client;
    await c.send(signerOf(devAccount("registrar")), { type: "RegisterIssuer", issuer: board!.signer.address, expiry: now() + 365 * 86_400 });
    expiry = now() + 30 * 86_400;
    const issued = await c.send(board!.signer, {
      type: "IssueCredential",
      subject: specialist!.signer.address,
      role: ROLE_CODES.specialist,
      organisation: organisationHash(ORG),
      expiry,
    });
    await c.waitFor(issued, "posted", { timeoutMs: 60_000 });
  });
  after(async () => {
    await sys?.stop();
    await d?.stop();
  });

  it("exports a ledger credential as a VC its issuer signs, and verifies it offline, against L1 and live", async () => {
    const subject = specialist!.signer.address;
    const vc = await exportCredential(c, board!.signer, { subject, role: ROLE_CODES.specialist, organisationId: ORG });
    expect(vc.proof[1]?.trust).to.be.oneOf(["posted", "final"]);
    const r = await verifyCredentialOnLedger(c, JSON.stringify(vc));
    expect(r.credential).to.include({ issuer: board!.signer.address, subject, role: ROLE_CODES.specialist, expiry, organisation: organisationHash(ORG) });
    expect(r.embedded?.onL1).to.be.oneOf(["posted", "final"]);
    expect(r.live).to.include({ credentialExpiry: expiry });

    // an embedded proof of another leaf (the issuer's registration passed off as the credential) does not pass
    const swapped = structuredClone(vc);
    swapped.proof[1]!.credential = swapped.proof[1]!.issuerRegistration;
    await refused(verifyCredentialOnLedger(c, swapped), "VC_NOT_ON_LEDGER");
  });

  it("exports and verifies through the CLI, and refuses a tampered file", async () => {
    const env = cliEnv({ EPHR_API_URL: sys.api.url, EPHR_L1_RPC_URL: d.l1.url, EPHR_ROLLUP_ADDRESS: d.deployment.rollup });
    const cli = (...args: string[]) => runCliAsync(env, ...args);
    expect((await cli("keys", "create", "board", "--private-key", board!.privateKey)).status).to.equal(0);
    const file = join(mkdtempSync(join(tmpdir(), "ephr-vc-")), "specialist.json");
    const exported = await cli(
      "credential",
      "export",
      "--as",
      "board",
      "--to",
      specialist!.signer.address,
      "--role",
      "specialist",
      "--org",
      ORG,
      "--out",
      file,
    );
    expect(exported.status, exported.err).to.equal(0);
    const verified = await cli("credential", "verify", file);
    expect(verified.status, verified.err).to.equal(0);
    expect(JSON.parse(verified.out)).to.deep.include({ valid: true });
    const tampered = JSON.parse(readFileSync(file, "utf8"));
    tampered.credentialSubject.role.code = String(ROLE_CODES.emergency);
    writeFileSync(file, JSON.stringify(tampered));
    const refusedRun = await cli("credential", "verify", "--offline", file);
    expect(refusedRun.status).to.equal(1);
    expect(refusedRun.err).to.contain("VC_BAD_SIGNATURE");
  });

  it("imports a presented VC as the IssueCredential its issuer signs; an unregistered issuer's is refused; a revoked one no longer verifies", async () => {
    const { chainId, verifyingContract: rollup } = await c.domain();
    const presented = async (by: TypedDataSigner, subject: Address) => {
      const terms = { chainId, rollup, issuer: by.address, subject, role: ROLE_CODES.nurse, organisationId: ORG, validFrom: now() - 5, expiry: now() + 86_400 };
      const doc = unsignedCredential(terms);
      return signedCredential(doc, rollup, (await by.signTypedData(credentialTypedData(doc, rollup) as never)) as Hex, now());
    };
    const vc = await presented(board!.signer, nurse!.signer.address);
    await refused(verifyCredentialOnLedger(c, vc), "VC_NOT_ON_LEDGER");
    const { transaction } = await importCredential(c, JSON.stringify(vc));
    await c.waitFor(await c.send(board!.signer, transaction), "posted", { timeoutMs: 60_000 });
    const r = await verifyCredentialOnLedger(c, vc);
    expect(r.embedded).to.equal(null);
    expect(r.live.credentialExpiry).to.equal(transaction.expiry);

    await refused(importCredential(c, await presented(stranger!.signer, nurse!.signer.address)), "VC_ISSUER_NOT_REGISTERED");

    await c.waitFor(await c.send(board!.signer, { ...transaction, expiry: 0 }), "posted", { timeoutMs: 60_000 });
    await refused(verifyCredentialOnLedger(c, vc), "VC_NOT_ON_LEDGER");
  });

  it("turns a policy Consent posted to the facade into the SetPolicy a RequestAccess then uses", async () => {
    const p = patient!.signer.address;
    const consent = consentFromPolicy({
      patient: p,
      signer: p,
      policyId: 7,
      issuer: board!.signer.address,
      role: ROLE_CODES.specialist,
      access: 1,
      categories: 1 << LAB,
      duration: 7 * 86_400,
    });
    const res = await fetch(new URL("fhir/Consent/$translate", sys.api.url), {
      method: "POST",
      headers: { "content-type": "application/fhir+json" },
      body: JSON.stringify(consent),
    });
    expect(res.status).to.equal(200);
    const params = ((await res.json()) as { parameter: { name: string; valueString: string }[] }).parameter;
    const [setPolicy] = params.filter((x) => x.name === "transaction").map((x) => JSON.parse(x.valueString));
    expect(setPolicy).to.include({ type: "SetPolicy", policyId: 7 });
    await c.waitFor(await c.send(patient!.signer, setPolicy), "executed");

    const asked = await c.send(specialist!.signer, { type: "RequestAccess", patient: p, policyId: 7, organisation: organisationHash(ORG) });
    const receipt = await c.waitFor(asked, "executed");
    const granted = await c.getConsent(p, specialist!.signer.address, "soft");
    expect(granted.value).to.include({ access: 1, categories: 1 << LAB });
    expect(granted.value!.expiry).to.equal(receipt.batch.timestamp + 7 * 86_400);

    // the facade shows the policy back as a Consent, proven, that translates to the same SetPolicy
    const id = policyConsentId(p, 7);
    const read = await fetch(new URL(`fhir/Consent/${id}?_trust=executed`, sys.api.url));
    expect(read.status).to.equal(200);
    expect(translateAnyConsent(await read.json()).transactions).to.deep.equal([setPolicy]);
    const found = (await (await fetch(new URL(`fhir/Consent?patient=${p}&_trust=executed`, sys.api.url))).json()) as { entry: { resource: FoundConsent }[] };
    expect(found.entry.map((e) => e.resource.id)).to.include(id);

    // and the grant the policy made, as the patient's Consent to the specialist naming the policy and the request
    const grant = found.entry.map((e) => e.resource).find((r) => r.id === consentId(p, specialist!.signer.address));
    expect(grant, "the policy's grant is among the patient's Consents").to.not.equal(undefined);
    expect(grant!.status).to.equal("active");
    expect(grant!.policy).to.deep.equal([{ uri: `Consent/${id}` }]);
    expect(basisOf(grant!)).to.deep.include.members([
      { url: "kind", valueCode: "policy" },
      { url: "policyId", valueUnsignedInt: 7 },
      { url: "transaction", valueString: asked },
    ]);
  });

  it("shows a break-glass grant among the patient's Consents, marked BTG and performed by the clinician, and inactive once the patient revokes it", async () => {
    const p = patient!.signer.address;
    const clinician = stranger!.signer;
    await c.waitFor(
      await c.send(board!.signer, {
        type: "IssueCredential",
        subject: clinician.address,
        role: ROLE_CODES.emergency,
        organisation: organisationHash(ORG),
        expiry,
      }),
      "executed",
    );
    const opened = await c.send(clinician, {
      type: "BreakGlass",
      patient: p,
      issuer: board!.signer.address,
      organisation: organisationHash(ORG),
      categories: 1 << LAB,
    });
    await c.waitFor(opened, "executed");
    const consentOf = async () => {
      const res = await fetch(new URL(`fhir/Consent/${consentId(p, clinician.address)}?_trust=executed`, sys.api.url));
      expect(res.status).to.equal(200);
      return (await res.json()) as FoundConsent;
    };
    const open = await consentOf();
    expect(open.status).to.equal("active");
    expect(open.provision?.purpose).to.deep.equal([{ system: "http://terminology.hl7.org/CodeSystem/v3-ActReason", code: "BTG", display: "break the glass" }]);
    expect(JSON.stringify(open.performer)).to.include(clinician.address);
    expect(basisOf(open)).to.deep.include.members([
      { url: "kind", valueCode: "break-glass" },
      { url: "transaction", valueString: opened },
    ]);

    await c.waitFor(await c.send(patient!.signer, { type: "RevokeConsent", grantee: clinician.address }), "executed");
    const revoked = await consentOf();
    expect(revoked.status).to.equal("inactive");
    expect(basisOf(revoked)).to.deep.include.members([{ url: "kind", valueCode: "break-glass" }]);
  });
});

type FoundConsent = {
  id: string;
  status: string;
  policy?: unknown;
  performer?: unknown;
  provision?: { purpose?: unknown };
  extension?: { url: string; extension?: unknown[] }[];
};
const basisOf = (c: FoundConsent) => c.extension?.find((x) => x.url === GRANT_BASIS_EXTENSION)?.extension ?? [];

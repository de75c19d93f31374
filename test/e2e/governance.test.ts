/**
 * End to end (issue 19): governance through the running system. The network's registrar registers a
 * medical board as an issuer; the board credentials a specialist and an emergency clinician; the
 * patient sets a policy for the board's specialists (all through the CLI, as operators and patients
 * would). The specialist obtains access through the policy (the transition grants it) and reads a lab
 * record via the vault; the emergency clinician breaks the glass, the vault serves and marks the read,
 * and the patient revokes the break-glass grant, after which the vault refuses.
 */
import { expect } from "chai";
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { EphrClient, signerOf, type TypedDataSigner } from "../../sdk/client.js";
import { readRecord, storeRecord } from "../../sdk/records.js";
import { VaultClient, VaultRequestError } from "../../sdk/vault.js";
import { encryptionKeyToHex, generateEncryptionKeyPair } from "../../sequencer/crypto/index.js";
import { DEV_KEYS, DEV_ROLES } from "../../sequencer/devnet/accounts.js";
import { BREAK_GLASS_DURATION } from "../../sequencer/protocol/constants.js";
import { organisationHash, ROLE_CODES } from "../../sequencer/protocol/roles.js";
import { testAccount } from "../../sequencer/testing/accounts.js";
import { cliEnv, runCliAsync } from "../../sequencer/testing/cli.js";
import { type ChildService, type Devnet, registerTestVault, spawnApi, spawnSequencer, startDevnet, startTestVault } from "../../sequencer/testing/devnet.js";
import type { startVault } from "../../vault/main.js";

const LAB = 1;
const ORG = "urn:oid:2.16.840.1.113883.3.city-hospital";
const key = (n: string) => testAccount(`gov-${n}`).privateKey;
const person = (n: string) => ({ signer: signerOf(privateKeyToAccount(key(n))) as TypedDataSigner, keys: generateEncryptionKeyPair() });

describe("end to end: credentials, a patient's policy and break-glass through the running system", function () {
  this.timeout(300_000);
  let d: Devnet;
  const procs: ChildService[] = [];
  let vault: Awaited<ReturnType<typeof startVault>> | undefined;
  after(async () => {
    await vault?.stop();
    for (const p of procs) await p.kill("SIGTERM");
    await d?.stop();
  });

  it("grants by policy and by break-glass, serves and marks the reads, and the patient revokes", async () => {
    d = await startDevnet({ config: { maxBatchAgeMs: 150 } });
    procs.push(await spawnSequencer(d));
    const api = await spawnApi(d);
    procs.push(api);
    const ephr = new EphrClient({ url: api.url, l1: { client: d.l1Client, rollup: d.deployment.rollup } });
    await registerTestVault(ephr);
    vault = await startTestVault(d, api.url);
    const vc = new VaultClient(vault.url, ephr);

    const patient = person("patient");
    const hospital = person("hospital");
    const specialist = person("specialist");
    const medic = person("medic");
    const board = testAccount("gov-board").address;
    for (const p of [patient, hospital, specialist, medic])
      await ephr.send(p.signer, { type: "RegisterEncryptionKey", publicKey: encryptionKeyToHex(p.keys.publicKey) });

    // The CLI with a key store holding everyone's keys.
    const env = cliEnv({ EPHR_API_URL: api.url, EPHR_L1_RPC_URL: d.l1.url, EPHR_ROLLUP_ADDRESS: d.deployment.rollup });
    const cli = async (...args: string[]) => {
      const r = await runCliAsync(env, ...args);
      expect(r.status, `cli ${args.join(" ")}: ${r.err}`).to.equal(0);
      return r.out;
    };
    await cli("keys", "create", "registrar", "--private-key", DEV_KEYS[DEV_ROLES.registrar]!);
    for (const n of ["board", "patient", "specialist", "medic"]) await cli("keys", "create", n, "--private-key", key(n));

    await cli("issuer", "register", "--as", "registrar", "--to", "board", "--wait", "executed");
    await cli("credential", "issue", "--as", "board", "--to", "specialist", "--role", "specialist", "--org", ORG, "--wait", "executed");
    await cli("credential", "issue", "--as", "board", "--to", "medic", "--role", "emergency", "--org", ORG, "--wait", "executed");
    await cli(
      "policy",
      "set",
      "--as",
      "patient",
      "--id",
      "1",
      "--issuer",
      "board",
      "--role",
      "specialist",
      "--categories",
      String(LAB),
      "--days",
      "7",
      "--wait",
      "posted",
    );
    const check = JSON.parse(await cli("credential", "check", "--issuer", "board", "--subject", "specialist", "--role", "specialist", "--org", ORG));
    expect(check.holds, "the specialist's credential is proven on L1").to.equal(true);
    expect(check.verified).to.equal("posted");
    const policies = JSON.parse(await cli("policy", "list", "--patient", "patient"));
    expect(policies.policies).to.deep.equal([
      { id: 1, issuer: board.toLowerCase(), role: "specialist", access: 1, categories: 1 << LAB, duration: 7 * 86_400, durationDays: 7, verified: "posted" },
    ]);

    // The hospital (granted WRITE by the patient) stores a lab result, wrapped for the patient only.
    await ephr.send(patient.signer, {
      type: "GrantConsent",
      grantee: hospital.signer.address,
      access: 3,
      categories: 1 << LAB,
      expiry: Math.floor(Date.now() / 1000) + 86_400,
    });
    const rec = await storeRecord(ephr, vc, hospital.signer, {
      patient: patient.signer.address,
      plaintext: new TextEncoder().encode("HbA1c 6.1%"),
      category: LAB,
    });
    await ephr.waitFor(rec.anchor, "posted");
    await refused(vc.read(specialist.signer, patient.signer.address, rec.recordId), "VAULT_NO_CONSENT");
    /** The hospital re-encrypts the newest labs for the readers the ledger now lets read them (the vault wraps only for live grantees). */
    const republish = async (readers: Address[]) => {
      const v = await storeRecord(ephr, vc, hospital.signer, {
        patient: patient.signer.address,
        recordId: rec.recordId,
        plaintext: new TextEncoder().encode("HbA1c 6.1%"),
        category: LAB,
        readers,
      });
      await ephr.waitFor(v.anchor, "posted");
    };

    // The specialist asks; the transition grants READ of labs for 7 days from the batch time.
    const req = firstJson(await cli("request-access", "--as", "specialist", "--patient", "patient", "--id", "1", "--org", ORG, "--wait", "posted"));
    const granted = await ephr.receipt(req.hash as Hex);
    expect(granted!.status).to.equal("posted");
    const grant = await ephr.getConsent(patient.signer.address, specialist.signer.address, "posted");
    expect(grant.value).to.deep.equal({ access: 1, categories: 1 << LAB, expiry: granted!.batch.timestamp + 7 * 86_400 });
    await republish([specialist.signer.address]);
    const read = await readRecord(vc, specialist.signer, specialist.keys.privateKey, patient.signer.address, rec.recordId);
    expect(new TextDecoder().decode(read.plaintext)).to.equal("HbA1c 6.1%");
    expect(read.served.breakGlass, "a policy grant is no break-glass").to.equal(undefined);
    const history = await ephr.historyAll(patient.signer.address, { types: ["RequestAccess", "BreakGlass"] });
    expect(history.map((e) => [e.tx.type, e.signer?.toLowerCase(), (e.tx as { policyId?: number }).policyId])).to.deep.equal([
      ["RequestAccess", specialist.signer.address.toLowerCase(), 1],
    ]);

    // A requester without the credential is refused with the reason.
    const noCred = await runCliAsync(env, "request-access", "--as", "medic", "--patient", "patient", "--id", "1", "--org", ORG);
    expect(noCred.status).to.equal(1);
    expect(noCred.err).to.match(/NoCredential|no live credential/);

    // The emergency clinician breaks the glass: READ of labs for 4 hours, marked in the history.
    const glass = firstJson(
      await cli("break-glass", "--as", "medic", "--patient", "patient", "--issuer", "board", "--org", ORG, "--categories", String(LAB), "--wait", "posted"),
    );
    const opened = await ephr.receipt(glass.hash as Hex);
    const emergency = await ephr.getConsent(patient.signer.address, medic.signer.address, "posted");
    expect(emergency.value).to.deep.equal({ access: 1, categories: 1 << LAB, expiry: opened!.batch.timestamp + BREAK_GLASS_DURATION });
    await republish([specialist.signer.address, medic.signer.address]);
    const served = await readRecord(vc, medic.signer, medic.keys.privateKey, patient.signer.address, rec.recordId);
    expect(served.served.breakGlass, "the vault marks the read").to.equal(glass.hash);
    const log = await ephr.receipt(served.served.logAccess);
    expect(log!.type, "the read is on the ledger").to.equal("LogAccess");
    const audit = await vc.audit(patient.signer);
    const medicReads = audit.entries.filter((e) => e.reader === medic.signer.address.toLowerCase());
    expect(medicReads.map((e) => [e.outcome, e.breakGlassTx])).to.deep.equal([["served", glass.hash]]);
    expect((await ephr.historyAll(patient.signer.address, { types: ["BreakGlass"] })).map((e) => e.hash)).to.deep.equal([glass.hash]);

    // The patient revokes the break-glass grant like any other; the vault refuses at once.
    await ephr.send(patient.signer, { type: "RevokeConsent", grantee: medic.signer.address as Address });
    await refused(vc.read(medic.signer, patient.signer.address, rec.recordId), "VAULT_REVOKED");
    const role = await ephr.holdsRole(board, medic.signer.address, ROLE_CODES.emergency, organisationHash(ORG), Math.floor(Date.now() / 1000), "posted");
    expect(role.live, "revoking the grant leaves the credential").to.equal(true);
  });
});

/** The first JSON document a command printed (a sent transaction's `{ hash }`, before its receipt). */
function firstJson(out: string): { hash: Hex } {
  return JSON.parse(out.slice(0, out.indexOf("\n}\n") + 2));
}

async function refused(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(VaultRequestError);
    expect((e as VaultRequestError).vaultCode, (e as Error).message).to.equal(code);
    return;
  }
  expect.fail(`expected ${code}`);
}

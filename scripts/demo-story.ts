/**
 * The walkthrough, against a running system (sequencer API, vault, L1): a patient consents (FHIR R4
 * Consent resources translated to ledger transactions) to a hospital writing and a specialist reading
 * her lab results; the hospital uploads a FHIR Observation, encrypted; the specialist reads and decrypts
 * it; the patient revokes; the specialist's next read is denied. Then governance (docs/protocol.md
 * section 13): a credentialed specialist obtains access through the patient's policy, an emergency
 * clinician breaks the glass and obtains the record's key from the network's key custodian (to which
 * the patient entrusted her lab results), the vault marks that read, the patient revokes it; the audit
 * trail shows all of it.
 * Used by `npm run demo` and by its end-to-end test.
 */
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { EphrClient, signerOf, type TypedDataSigner } from "../sdk/client.js";
import { isEphrError } from "../sdk/errors.js";
import { readFhirResource, storeFhirResource } from "../sdk/records.js";
import { VaultClient, VaultRequestError } from "../sdk/vault.js";
import { CustodianClient } from "../sdk/custodian.js";
import { encryptionKeyToHex, generateEncryptionKeyPair } from "../sequencer/crypto/index.js";
import { ETH_ADDRESS_SYSTEM, translateConsent } from "../sequencer/fhir/index.js";
import { toHex } from "../sequencer/protocol/bytes.js";
import { keccak256 } from "../sequencer/protocol/hash.js";
import { organisationHash, ROLE_CODES } from "../sequencer/protocol/roles.js";
import { DEV_KEYS, DEV_ROLES } from "../sequencer/devnet/accounts.js";

interface Actor {
  name: string;
  signer: TypedDataSigner;
  encryption: { privateKey: Uint8Array; publicKey: Uint8Array };
}

export interface DemoResult {
  observationValue: unknown;
  deniedWith: string;
  history: { type: string; status: string }[];
  accessLog: number;
  vaultAudit: { outcome: string; code?: string; breakGlassTx?: Hex }[];
  /** the BreakGlass transaction of the emergency clinician */
  breakGlass: Hex;
}

function actor(name: string, seed: string): Actor {
  const key = toHex(keccak256(new TextEncoder().encode(`ephr-demo:${seed}:${name}`)));
  return { name, signer: signerOf(privateKeyToAccount(key)), encryption: generateEncryptionKeyPair() };
}

const ref = (a: Address, display: string) => ({ identifier: { system: ETH_ADDRESS_SYSTEM, value: a }, display });

/** A FHIR R4 Consent: `patient` lets `actor` do `actions` on `classes` until `end`. */
function fhirConsent(patient: Address, actorAddr: Address, actorName: string, actions: string[], status: "active" | "inactive", end: string) {
  return {
    resourceType: "Consent",
    status,
    scope: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/consentscope", code: "patient-privacy" }] },
    category: [{ coding: [{ system: "http://loinc.org", code: "59284-0" }] }],
    patient: ref(patient, "Alice (patient)"),
    performer: [ref(patient, "Alice (patient)")],
    policyRule: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/v3-ActCode", code: "OPTIN" }] },
    provision: {
      type: "permit",
      period: { end },
      actor: [
        { role: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", code: "PRCP" }] }, reference: ref(actorAddr, actorName) },
      ],
      action: actions.map((code) => ({ coding: [{ system: "http://terminology.hl7.org/CodeSystem/consentaction", code }] })),
      class: [
        { system: "http://hl7.org/fhir/resource-types", code: "Specimen" },
        { system: "urn:ephr:record-category", code: "1" },
      ],
    },
  };
}

const glucose = {
  resourceType: "Observation",
  id: "glucose-2026-11-25",
  status: "final",
  category: [{ coding: [{ system: "http://terminology.hl7.org/CodeSystem/observation-category", code: "laboratory" }] }],
  code: { coding: [{ system: "http://loinc.org", code: "2339-0", display: "Glucose [Mass/volume] in Blood" }] },
  effectiveDateTime: "2026-11-25T08:30:00Z",
  valueQuantity: { value: 97, unit: "mg/dL", system: "http://unitsofmeasure.org", code: "mg/dL" },
};

export async function runDemo(opts: {
  apiUrl: string;
  vaultUrl: string;
  /** the network's key custodian, which the vault lists */
  custodianUrl: string;
  l1: EphrClient["opts"]["l1"];
  say?: (line: string) => void;
  seed?: string;
  /** the network's registrar (default: the devnet's, development key #0) */
  registrarKey?: Hex;
}): Promise<DemoResult> {
  const say = opts.say ?? ((l: string) => console.log(l));
  const ephr = new EphrClient({ url: opts.apiUrl, l1: opts.l1 });
  const vault = new VaultClient(opts.vaultUrl, ephr);
  const custodian = new CustodianClient(opts.custodianUrl, ephr);
  const seed = opts.seed ?? String(Date.now());
  const alice = actor("alice", seed);
  const hospital = actor("hospital", seed);
  const specialist = actor("specialist", seed);
  const end = new Date(Date.now() + 90 * 86_400_000).toISOString();

  say("1. Everyone publishes an encryption key on the ledger (RegisterEncryptionKey).");
  for (const a of [alice, hospital, specialist]) {
    await ephr.waitFor(await ephr.send(a.signer, { type: "RegisterEncryptionKey", publicKey: encryptionKeyToHex(a.encryption.publicKey) }));
  }

  say("2. Alice consents, as FHIR R4 Consent resources: the hospital may access and collect lab results, the specialist may access them.");
  const grants = [
    translateConsent(fhirConsent(alice.signer.address, hospital.signer.address, "City Hospital", ["access", "collect"], "active", end)),
    translateConsent(fhirConsent(alice.signer.address, specialist.signer.address, "Dr. Lee, endocrinology", ["access"], "active", end)),
  ];
  let last: Hex = "0x";
  for (const g of grants) for (const tx of g.transactions) last = await ephr.send(alice.signer, tx);
  const posted = await ephr.waitFor(last, "posted");
  say(`   grants posted on L1 in batch ${posted.batch.index} (tx ${posted.batch.l1TxHash})`);

  say("3. The hospital uploads a FHIR Observation (blood glucose): encrypted for Alice and the specialist, stored in the vault, anchored on the ledger.");
  const stored = await storeFhirResource(ephr, vault, hospital.signer, {
    patient: alice.signer.address,
    resource: glucose,
    readers: [specialist.signer.address],
  });
  await ephr.waitFor(stored.anchor, "posted");
  say(
    `   record ${stored.recordId.slice(0, 18)}… version ${stored.version}, category ${stored.category} (laboratory), ciphertext hash ${stored.ciphertextHash.slice(0, 18)}…`,
  );

  say(
    "4. The specialist reads it: the vault checks the grant against a root posted on L1, logs the read on the ledger, serves the ciphertext and the specialist's key wrap.",
  );
  const got = await readFhirResource(vault, specialist.signer, specialist.encryption.privateKey, alice.signer.address, stored.recordId);
  const value = (got.resource.valueQuantity as { value: number; unit: string }) ?? null;
  say(
    `   decrypted: ${(got.resource.code as { coding: { display: string }[] }).coding[0]!.display} = ${value?.value} ${value?.unit} (read logged in ${got.served.logAccess.slice(0, 18)}…)`,
  );

  say("5. Alice revokes the specialist (a FHIR Consent with status inactive).");
  const revocation = translateConsent(fhirConsent(alice.signer.address, specialist.signer.address, "Dr. Lee, endocrinology", ["access"], "inactive", end));
  for (const tx of revocation.transactions) last = await ephr.send(alice.signer, tx);
  await ephr.waitFor(last, "executed");

  say("6. The specialist tries again: denied.");
  let deniedWith = "";
  try {
    await readFhirResource(vault, specialist.signer, specialist.encryption.privateKey, alice.signer.address, stored.recordId);
  } catch (e) {
    if (!(e instanceof VaultRequestError)) throw e;
    deniedWith = e.vaultCode;
    say(`   ${e.vaultCode}: ${e.message}`);
  }
  if (deniedWith === "") throw new Error("the specialist's read after the revocation was served");

  say(
    "7. The network's registrar registers the City Medical Board as a credential issuer; the board credentials Dr. Kim (specialist) and Dr. Ortiz (emergency clinician) at City Hospital.",
  );
  const registrar = signerOf(privateKeyToAccount(opts.registrarKey ?? DEV_KEYS[DEV_ROLES.registrar]!));
  const board = actor("board", seed);
  const kim = actor("dr-kim", seed);
  const ortiz = actor("dr-ortiz", seed);
  const org = organisationHash("urn:ephr-demo:city-hospital");
  const year = Math.floor(Date.now() / 1000) + 365 * 86_400;
  for (const a of [kim, ortiz]) await ephr.send(a.signer, { type: "RegisterEncryptionKey", publicKey: encryptionKeyToHex(a.encryption.publicKey) });
  await ephr.send(registrar, { type: "RegisterIssuer", issuer: board.signer.address, expiry: year });
  await ephr.send(board.signer, { type: "IssueCredential", subject: kim.signer.address, role: ROLE_CODES.specialist, organisation: org, expiry: year });
  await ephr.send(board.signer, { type: "IssueCredential", subject: ortiz.signer.address, role: ROLE_CODES.emergency, organisation: org, expiry: year });

  say("8. Alice sets a policy: the board's specialists may read her lab results for 14 days, on request (SetPolicy, id 1).");
  await ephr.send(alice.signer, {
    type: "SetPolicy",
    patient: alice.signer.address,
    policyId: 1,
    issuer: board.signer.address,
    role: ROLE_CODES.specialist,
    access: 1,
    categories: 1 << stored.category,
    duration: 14 * 86_400,
  });
  const request = await ephr.send(kim.signer, { type: "RequestAccess", patient: alice.signer.address, policyId: 1, organisation: org });
  const granted = await ephr.waitFor(request, "posted");
  const kimGrant = await ephr.getConsent(alice.signer.address, kim.signer.address, "posted");
  say(
    `   Dr. Kim's RequestAccess was granted by the state transition itself: READ until ${new Date(kimGrant.value!.expiry * 1000).toISOString()} (batch ${granted.batch.index}, proven against L1)`,
  );

  const keeper = (await custodian.custodianInfo()).custodian;
  say(`   Alice also entrusts her lab results to the network's key custodian (${keeper.slice(0, 10)}…), for emergencies: a READ grant to it, for a year.`);
  await ephr.send(alice.signer, { type: "GrantConsent", grantee: keeper, access: 1, categories: 1 << stored.category, expiry: year });

  say("9. Dr. Ortiz, in the emergency room, breaks the glass: READ of Alice's lab results for 4 hours, without her consent, marked on the ledger.");
  const breakGlass = await ephr.send(ortiz.signer, {
    type: "BreakGlass",
    patient: alice.signer.address,
    issuer: board.signer.address,
    organisation: org,
    categories: 1 << stored.category,
  });
  await ephr.waitFor(breakGlass, "posted");
  const update = await storeFhirResource(ephr, vault, hospital.signer, {
    patient: alice.signer.address,
    resource: glucose,
    readers: [kim.signer.address, keeper],
    recordId: stored.recordId,
  });
  await ephr.waitFor(update.anchor, "posted");
  say(`   the hospital re-encrypts the record for Dr. Kim and the custodian (version ${update.version}), and Dr. Kim reads it`);
  await readFhirResource(vault, kim.signer, kim.encryption.privateKey, alice.signer.address, stored.recordId);
  say("   Nobody wrapped the record's key for Dr. Ortiz, and the hospital's records office is closed: Dr. Ortiz asks the key custodian.");
  const key = await custodian.requestKeyWrap(ortiz.signer, alice.signer.address, stored.recordId);
  say(
    `   the custodian checked the break-glass grant against L1 and wrapped the key for Dr. Ortiz (its own read is on the ledger: ${key.custodianRead.slice(0, 18)}…)`,
  );
  const emergency = await readFhirResource(vault, ortiz.signer, ortiz.encryption.privateKey, alice.signer.address, stored.recordId);
  say(`   Dr. Ortiz reads it; the vault marks the read as break-glass (${emergency.served.breakGlass?.slice(0, 18)}…)`);
  last = await ephr.send(alice.signer, { type: "RevokeConsent", grantee: ortiz.signer.address });
  say("   Alice, alerted, revokes the break-glass grant like any other.");

  say("10. The audit trail.");
  await ephr.waitFor(last, "posted");
  const history = await ephr.history(alice.signer.address);
  for (const h of history) say(`   ledger: ${h.tx.type.padEnd(22)} by ${h.signer?.slice(0, 10)}…  ${h.status} (batch ${h.batch})`);
  const log = await ephr.accessLog(alice.signer.address, "posted").catch((e) => {
    if (isEphrError(e)) throw e;
    throw e;
  });
  say(`   access log: ${log.entries.length} served read(s); its hash chain matches the head proven against L1 (${log.trust})`);
  const audit = await vault.audit(alice.signer);
  for (const a of audit.entries) say(`   vault: ${a.outcome.padEnd(7)} ${a.reader.slice(0, 10)}… ${a.code ?? ""}${a.breakGlassTx ? "BREAK-GLASS" : ""}`);
  return {
    observationValue: value?.value,
    deniedWith,
    history: history.map((h) => ({ type: h.tx.type, status: h.status })),
    accessLog: log.entries.length,
    vaultAudit: audit.entries.map((a) => ({ outcome: a.outcome, code: a.code, ...(a.breakGlassTx ? { breakGlassTx: a.breakGlassTx } : {}) })),
    breakGlass,
  };
}

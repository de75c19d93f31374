/**
 * The read-only FHIR R4 facade of the API front-end (docs/fhir.md section 8): GET /fhir/metadata,
 * /fhir/Consent?patient=… and /fhir/Consent/{id}, and POST /fhir/Consent/$translate (a Consent -> the
 * unsigned transactions its signer signs; it sends nothing). Only wiring: the reads go to the
 * sequencer's query server like any JSON-RPC read, the Consents are built and translated by
 * sequencer/fhir and every refusal is an OperationOutcome.
 */
import type { FastifyRequest } from "fastify";
import type { Address } from "viem";
import type { Logger } from "../platform/log.js";
import type { Answer, HttpServer } from "../http/server.js";
import {
  capabilityStatement,
  type ConsentSearch,
  FacadeError,
  FHIR_JSON,
  parseConsentSearch,
  operationOutcome,
  parseTrust,
  type SearchOutcome,
  searchsetBundle,
  translationParameters,
} from "../fhir/facade-resources.js";
import { translateAnyConsent } from "../fhir/policy-consent.js";
import { FhirError } from "../fhir/errors.js";
import {
  AT_OF_TRUST,
  CONSENT_TX_TYPES,
  GRANTING_TX_TYPES,
  consentParties,
  type ConsentParty,
  type FacadeTrust,
  type HistoryEntry,
  ledgerConsent,
  partiesOfId,
  type ProvenConsentRead,
  UnverifiedAnswerError,
} from "../fhir/ledger-consent.js";
import { type PolicyParty, POLICY_TX_TYPES, ledgerPolicyConsent, policyOfId, policyParties } from "../fhir/ledger-policy.js";
import type { FhirConsent } from "../fhir/validate.js";
import { RPC_ERROR } from "../errors/rpc.js";

/** A JSON-RPC read as the front-end forwards it; answered with its result or its error. */
export type ReadCall = { method: string; params: unknown[] };
export type ReadAnswer = { result?: unknown; error?: { code: number; message: string } };
export type Reader = (calls: ReadCall[]) => Promise<ReadAnswer[]>;

/** history pages of 10,000 entries read for one patient at most: past that, a search is too costly */
export const MAX_HISTORY_PAGES = 10;
const HISTORY_PAGE = 10_000;
const ROOT_UNAVAILABLE = RPC_ERROR.RootUnavailable;
const SEQUENCER_UNAVAILABLE = RPC_ERROR.SequencerUnavailable;

export interface FhirDeps {
  read: Reader;
  log: Logger;
  version?: string;
}

export function registerFhirRoutes(http: HttpServer, deps: FhirDeps): void {
  const started = new Date().toISOString();
  const route = (path: string, handler: (req: FastifyRequest) => Promise<unknown>) =>
    http.get(path, async (req) => {
      try {
        return fhir(200, await handler(req));
      } catch (e) {
        return refusal(deps, e);
      }
    });
  route("/fhir/metadata", async () => capabilityStatement({ date: started, software: "ephr-rollup API front-end", version: deps.version }));
  route("/fhir/Consent", async (req) => search(deps, parseConsentSearch(req.query as Record<string, unknown>), baseOf(req)));
  route("/fhir/Consent/:id", async (req) => {
    const { id } = req.params as { id: string };
    const query = req.query as Record<string, unknown>;
    for (const name of Object.keys(query)) {
      if (name !== "_trust") throw new FacadeError(400, "not-supported", `unknown parameter ${JSON.stringify(name)} of a read: supported is _trust`);
    }
    if (Array.isArray(query._trust)) throw new FacadeError(400, "invalid", "_trust is given more than once");
    return readOne(deps, id, parseTrust(query._trust as string | undefined));
  });
  http.post("/fhir/Consent/$translate", async (body) => {
    // (an array body is no Consent: the mapping refuses it, 422)
    if (body.tooDeep === true) return fhir(400, new FacadeError(400, "invalid", "the Consent nests deeper than the server's JSON limit").outcome());
    try {
      return fhir(200, translationParameters(translateAnyConsent(body.value)));
    } catch (e) {
      // the Consent is the client's: what it cannot map is an unprocessable entity naming the element
      if (e instanceof FhirError) return fhir(422, new FacadeError(422, "processing", `${e.code} at ${e.path}: ${e.details}`).outcome());
      return refusal(deps, e);
    }
  });
  route("/fhir/*", async (req) => {
    throw new FacadeError(
      404,
      "not-supported",
      `no FHIR endpoint ${req.url.split("?")[0]}: this facade serves /fhir/metadata and Consent (read, search by patient, POST $translate)`,
    );
  });
}

function fhir(status: number, body: unknown): Answer {
  return { status, body, contentType: FHIR_JSON };
}

function refusal(deps: FhirDeps, e: unknown): Answer {
  if (e instanceof FacadeError) return fhir(e.status, e.outcome());
  if (e instanceof FhirError) {
    // a ledger consent the Consent mapping cannot write (an expiry past 9999, say): not the client's fault
    return fhir(500, new FacadeError(500, "not-supported", `the ledger's consent cannot be written as a FHIR Consent: ${e.details}`).outcome());
  }
  if (e instanceof UnverifiedAnswerError) {
    deps.log.error({ err: e }, "the sequencer's consent proof does not verify");
    return fhir(502, new FacadeError(502, "exception", `the sequencer's answer does not verify: ${e.message}`).outcome());
  }
  deps.log.error({ err: e }, "fhir request failed");
  return fhir(500, new FacadeError(500, "exception", "internal error").outcome());
}

/** `http(s)://host/fhir` of this request, for the Bundle's links (a Host that is no host name is not echoed). */
function baseOf(req: FastifyRequest): string {
  const host = req.headers.host;
  const safe = host !== undefined && /^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$/.test(host) ? host : "localhost";
  return `${req.protocol}://${safe}/fhir`;
}

/**
 * One Consent the facade shows: a grantee's consent slot or a policy slot of the patient, read with
 * `method` / `params` (the `at` is added) and built from the proven answer.
 */
interface Slot {
  method: string;
  params: unknown[];
  build: (read: ProvenConsentRead, trust: FacadeTrust, now: number) => FhirConsent;
  /** in a search, a Consent the mapping cannot write becomes this OperationOutcome entry instead of failing the request */
  outcome?: (e: FhirError) => SearchOutcome;
}

function grantSlot(patient: Address, p: ConsentParty): Slot {
  return {
    method: "ephr_getConsent",
    params: [patient, p.grantee.toLowerCase()],
    build: (read, trust, now) => ledgerConsent({ patient, grantee: p.grantee, signer: p.grantSigner, basis: p.basis, read, trust, now }),
    outcome: (e) => ({
      ...operationOutcome("not-supported", `the consent of grantee ${p.grantee} cannot be written as a FHIR Consent: ${e.details}`, "warning"),
      grantee: p.grantee,
    }),
  };
}

function policySlot(patient: Address, p: PolicyParty): Slot {
  return {
    method: "ephr_getPolicy",
    params: [patient, p.policyId],
    build: (read, trust) => ledgerPolicyConsent({ patient, policyId: p.policyId, signer: p.setSigner, read, trust }),
  };
}

/** The patient's grantees' Consents, then its policies' (docs/fhir.md sections 8.1 and 11.1), one page of them. */
async function search(deps: FhirDeps, s: ConsentSearch, base: string) {
  const h = await history(deps, s.patient);
  const slots = [...consentParties(s.patient, h).map((p) => grantSlot(s.patient, p)), ...policyParties(s.patient, h).map((p) => policySlot(s.patient, p))];
  const consents = (await consentsOf(deps, slots.slice(s.offset, s.offset + s.count), s.trust, true)).map((c) => c.consent);
  return searchsetBundle({ base, search: s, total: slots.length, consents });
}

async function readOne(deps: FhirDeps, id: string, trust: FacadeTrust | null) {
  try {
    const policy = policyOfId(id);
    if (policy !== null) return await readPolicy(deps, id, policy.patient, policy.policyId, trust);
    const { patient, grantee } = partiesOfId(id);
    const party = consentParties(patient, await history(deps, patient)).find((p) => p.grantee.toLowerCase() === grantee.toLowerCase());
    const [one] = await consentsOf(deps, [grantSlot(patient, party ?? { grantee, grantSigner: null })], trust);
    // never granted nor revoked: no such Consent (a revoked one stays, inactive)
    if (party === undefined && !one!.exists) throw new FacadeError(404, "not-found", `no Consent ${id}: patient ${patient} never granted ${grantee}`);
    return one!.consent as FhirConsent;
  } catch (e) {
    if (e instanceof FhirError && e.path === "id") throw new FacadeError(400, "invalid", e.details);
    throw e;
  }
}

async function readPolicy(deps: FhirDeps, id: string, patient: Address, policyId: number, trust: FacadeTrust | null) {
  const party = policyParties(patient, await history(deps, patient)).find((p) => p.policyId === policyId);
  const [one] = await consentsOf(deps, [policySlot(patient, party ?? { policyId, setSigner: null })], trust);
  if (party === undefined && !one!.exists) throw new FacadeError(404, "not-found", `no Consent ${id}: patient ${patient} never set policy ${policyId}`);
  return one!.consent as FhirConsent;
}

/** The patient's consent and policy transactions, every page (bounded by MAX_HISTORY_PAGES). */
async function history(deps: FhirDeps, patient: Address): Promise<HistoryEntry[]> {
  const all: HistoryEntry[] = [];
  let fromSeq = 0;
  const types = [...CONSENT_TX_TYPES, ...GRANTING_TX_TYPES, ...POLICY_TX_TYPES];
  for (let pageNo = 0; pageNo < MAX_HISTORY_PAGES; pageNo++) {
    const [a] = await deps.read([{ method: "ephr_getPatientHistory", params: [patient, { types, limit: HISTORY_PAGE, fromSeq }] }]);
    const page = resultOf(a!) as HistoryEntry[];
    all.push(...page);
    if (page.length < HISTORY_PAGE) return all;
    fromSeq = page[page.length - 1]!.seq + 1;
  }
  throw new FacadeError(
    422,
    "too-costly",
    `patient ${patient} has more than ${MAX_HISTORY_PAGES * HISTORY_PAGE} consent and policy transactions: read them with ephr_getPatientHistory`,
  );
}

/**
 * The proven Consent of each slot, all read in one request (so usually against one root). The
 * default level is posted, or executed while no batch is on L1 yet; a level asked for and not
 * available is 503.
 */
async function consentsOf(
  deps: FhirDeps,
  slots: Slot[],
  asked: FacadeTrust | null,
  /** a Consent the mapping cannot write becomes its slot's OperationOutcome entry (search) instead of failing the request */
  outcomes = false,
): Promise<{ consent: FhirConsent | SearchOutcome; exists: boolean }[]> {
  if (slots.length === 0) return [];
  const ask = (trust: FacadeTrust) => deps.read(slots.map((s) => ({ method: s.method, params: [...s.params, { at: AT_OF_TRUST[trust] }] })));
  let trust: FacadeTrust = asked ?? "posted";
  let answers = await ask(trust);
  if (asked === null && answers.some((a) => a.error?.code === ROOT_UNAVAILABLE)) {
    trust = "executed";
    answers = await ask(trust);
  }
  const now = Math.floor(Date.now() / 1000);
  return slots.map((slot, i) => {
    const read = resultOf(answers[i]!) as ProvenConsentRead;
    // `exists` is checked against the proof by the slot's build before it is used here
    try {
      return { consent: slot.build(read, trust, now), exists: read.exists };
    } catch (e) {
      if (!outcomes || !(e instanceof FhirError) || slot.outcome === undefined) throw e;
      return { consent: slot.outcome(e), exists: read.exists };
    }
  });
}

function resultOf(a: ReadAnswer): unknown {
  if (a.error === undefined) return a.result;
  if (a.error.code === ROOT_UNAVAILABLE) throw new FacadeError(503, "transient", `no root at this trust level yet: ${a.error.message}`);
  if (a.error.code === SEQUENCER_UNAVAILABLE) throw new FacadeError(503, "transient", a.error.message);
  throw new FacadeError(502, "exception", `the sequencer refused the read (${a.error.code}): ${a.error.message}`);
}

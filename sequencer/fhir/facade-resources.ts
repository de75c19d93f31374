/**
 * The facade's other resources (docs/fhir.md section 8): its CapabilityStatement, OperationOutcome for
 * every refusal, the searchset Bundle with its paging links, and the parsing of search parameters.
 * Pure: the HTTP wiring is sequencer/ingest/fhir-routes.ts.
 */
import { EphrError } from "../errors/base.js";
import { type Address, isAddress } from "viem";
import { z } from "zod";
import { type FacadeTrust, TRUST_LEVELS } from "./ledger-consent.js";
import type { FhirConsent } from "./validate.js";

export const FHIR_JSON = "application/fhir+json";
export const FHIR_VERSION = "4.0.1";
/** Consents (grantees, then policies) per page: `_count` defaults to this, and may not exceed MAX_COUNT */
export const DEFAULT_COUNT = 20;
export const MAX_COUNT = 50;

/** The one operation of the facade: Consent -> the unsigned transactions its signer signs (docs/fhir.md section 8.4). */
export const TRANSLATE_OPERATION = "https://ephr-rollup.example/fhir/OperationDefinition/Consent-translate";

/**
 * A translation as a FHIR Parameters resource: `patient`, `signer`, one `transaction` per transaction
 * (its JSON, without nonce: the wallet adds it and signs), one `warning` per warning.
 */
export function translationParameters(t: { patient: Address; signer: Address; transactions: readonly object[]; warnings: readonly string[] }) {
  const param = (name: string, valueString: string) => ({ name, valueString });
  return {
    resourceType: "Parameters" as const,
    parameter: [
      param("patient", t.patient),
      param("signer", t.signer),
      ...t.transactions.map((tx) => param("transaction", JSON.stringify(tx))),
      ...t.warnings.map((w) => param("warning", w)),
    ],
  };
}

export function capabilityStatement(opts: { date: string; software: string; version?: string }) {
  return {
    resourceType: "CapabilityStatement",
    status: "active",
    date: opts.date,
    kind: "instance",
    software: { name: opts.software, ...(opts.version === undefined ? {} : { version: opts.version }) },
    implementation: { description: "Read-only FHIR R4 facade over the proven consent state of an ephr-rollup network" },
    fhirVersion: FHIR_VERSION,
    format: ["json"],
    rest: [
      {
        mode: "server",
        documentation: "Each Consent carries the ledger-verification extension: the state root, trust level and proof it was built from.",
        resource: [
          {
            type: "Consent",
            interaction: [{ code: "read" }, { code: "search-type" }],
            operation: [
              {
                name: "translate",
                definition: TRANSLATE_OPERATION,
                documentation: "POST a Consent (grants, or a policy naming a policy id): the unsigned ledger transactions it maps to; nothing is sent",
              },
            ],
            searchParam: [
              { name: "patient", type: "reference", documentation: "the patient's 0x address (required)" },
              { name: "_trust", type: "token", documentation: "executed | posted | final (default: posted when a batch is on L1, else executed)" },
              { name: "_count", type: "number", documentation: `Consents per page (grantees, then policies), 1..${MAX_COUNT} (default ${DEFAULT_COUNT})` },
              { name: "_offset", type: "number", documentation: "index of the first Consent of the page (follow the Bundle's next link)" },
            ],
          },
        ],
      },
    ],
  };
}

/** OperationOutcome issue types used here (http://hl7.org/fhir/issue-type). */
export type IssueType = "invalid" | "not-found" | "not-supported" | "too-costly" | "transient" | "exception" | "processing";

export function operationOutcome(code: IssueType, diagnostics: string, severity: "error" | "fatal" | "warning" = "error") {
  return { resourceType: "OperationOutcome" as const, issue: [{ severity, code, diagnostics }] };
}

const isOutcome = (c: FhirConsent | SearchOutcome): c is SearchOutcome => c.resourceType === "OperationOutcome";

/** A search entry for a grantee whose consent the mapping cannot write: an OperationOutcome in its place. */
export type SearchOutcome = ReturnType<typeof operationOutcome> & { grantee: Address };

/** A refusal with its HTTP status, as the wiring answers it; its `code` is the OperationOutcome issue type. */
export class FacadeError extends EphrError<IssueType> {
  constructor(
    readonly status: number,
    readonly issue: IssueType,
    details: string,
  ) {
    super(details, issue);
  }
  outcome() {
    return operationOutcome(this.issue, this.message);
  }
}

const KNOWN_PARAMS = new Set(["patient", "_trust", "_count", "_offset", "_format"]);

export interface ConsentSearch {
  patient: Address;
  /** null: the default (posted when available) */
  trust: FacadeTrust | null;
  count: number;
  offset: number;
}

const integerParam = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,6}$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().min(min).max(max));

/** The search's parameters from a query string's values; a FacadeError 400 for anything else. */
export function parseConsentSearch(query: Record<string, unknown>): ConsentSearch {
  for (const name of Object.keys(query)) {
    if (!KNOWN_PARAMS.has(name))
      throw new FacadeError(400, "not-supported", `unknown search parameter ${JSON.stringify(name)}: supported are patient, _trust, _count, _offset`);
  }
  const one = (name: string): string | undefined => {
    const v = query[name];
    if (v === undefined) return undefined;
    if (typeof v !== "string") throw new FacadeError(400, "invalid", `search parameter ${name} is given more than once`);
    return v;
  };
  const format = one("_format");
  if (format !== undefined && !["json", "application/json", FHIR_JSON].includes(format))
    throw new FacadeError(400, "not-supported", "only JSON is served (_format json)");
  const patientRaw = one("patient");
  if (patientRaw === undefined) throw new FacadeError(400, "invalid", "the search parameter patient (a 0x address) is required");
  // FHIR allows a reference as Patient/<id>; the patient's id here is its address
  const patient = parseAddressParam(patientRaw.startsWith("Patient/") ? patientRaw.slice(8) : patientRaw);
  return {
    patient,
    trust: parseTrust(one("_trust")),
    count: intParam("_count", one("_count"), 1, MAX_COUNT, DEFAULT_COUNT),
    offset: intParam("_offset", one("_offset"), 0, 999_999, 0),
  };
}

const HEX40 = /^0x[0-9a-fA-F]{40}$/;

/** A patient address as docs/api.md accepts them (mixed case must carry its EIP-55 checksum), lower case. */
export function parseAddressParam(raw: string): Address {
  const body = raw.slice(2);
  const oneCase = body === body.toLowerCase() || body === body.toUpperCase();
  if (!HEX40.test(raw) || (!oneCase && !isAddress(raw, { strict: true }))) {
    throw new FacadeError(400, "invalid", "patient must be a 0x address of 40 hex digits (mixed case only with a valid EIP-55 checksum)");
  }
  if (/^0x0{40}$/.test(raw)) throw new FacadeError(400, "invalid", "patient must not be the zero address");
  return raw.toLowerCase() as Address;
}

export function parseTrust(raw: string | undefined): FacadeTrust | null {
  if (raw === undefined) return null;
  if (!(TRUST_LEVELS as readonly string[]).includes(raw)) throw new FacadeError(400, "invalid", `_trust must be one of ${TRUST_LEVELS.join(", ")}`);
  return raw as FacadeTrust;
}

function intParam(name: string, raw: string | undefined, min: number, max: number, fallback: number): number {
  if (raw === undefined) return fallback;
  const r = integerParam(min, max).safeParse(raw);
  if (!r.success) throw new FacadeError(400, "invalid", `${name} must be a whole number in ${min}..${max}`);
  return r.data;
}

/** A searchset Bundle of one page of Consents, `total` grantees in all, with self and next links. */
export function searchsetBundle(opts: { base: string; search: ConsentSearch; total: number; consents: (FhirConsent | SearchOutcome)[] }) {
  const { base, search, total, consents } = opts;
  const link = (offset: number) => {
    const q = new URLSearchParams({
      patient: search.patient,
      ...(search.trust === null ? {} : { _trust: search.trust }),
      _count: String(search.count),
      _offset: String(offset),
    });
    return `${base}/Consent?${q.toString()}`;
  };
  const links = [{ relation: "self", url: link(search.offset) }];
  if (search.offset + search.count < total) links.push({ relation: "next", url: link(search.offset + search.count) });
  if (search.offset > 0) links.push({ relation: "previous", url: link(Math.max(0, search.offset - search.count)) });
  return {
    resourceType: "Bundle",
    type: "searchset",
    total,
    link: links,
    // a grantee whose consent cannot be written is listed as an OperationOutcome (search mode
    // "outcome"), so a page never silently leaves a grantee out
    entry: consents.map((c) =>
      isOutcome(c)
        ? { resource: { resourceType: c.resourceType, issue: c.issue }, search: { mode: "outcome" } }
        : { fullUrl: `${base}/Consent/${c.id}`, resource: c, search: { mode: "match" } },
    ),
  };
}

/**
 * Shared vectors of the governance rules (docs/protocol.md section 13): issuers, credentials, patient
 * policies, RequestAccess and BreakGlass. Every rule and every rejection has a case; both suites replay
 * them with the rest of test/vectors/protocol.json (sequencer/testing/vectors.ts builds the file).
 */
import type { Hex } from "viem";
import { toHex, wordFromBigint } from "../protocol/bytes.js";
import { BREAK_GLASS_DURATION, EMERGENCY_ROLE, MAX_POLICY_DURATION } from "../protocol/constants.js";
import { consentKey, consentOf, credentialKey, issuerKey, policyKey } from "../protocol/keys.js";
import type { TreeState } from "../state/access.js";
import { treeGet } from "../state/smt.js";
import type { Case, Unsigned, World } from "./vectors.js";

const DAY = 86_400;
const h = (label: string): Hex => toHex(wordFromBigint(BigInt(`0x${Buffer.from(label).toString("hex").padEnd(64, "0").slice(0, 64)}`)));
/** The organisation hashes the cases use. */
const CITY = h("org:city-hospital");
const OTHER_ORG = h("org:other-clinic");
const SPECIALIST = 3;

function claim(ok: boolean, what: string): void {
  if (!ok) throw new Error(`state check failed: ${what}`);
}

export function governanceCases(T: number): Case[] {
  const regIssuer = (w: World, issuer = "board", expiry = T + 365 * DAY): Unsigned => ({ type: "RegisterIssuer", issuer: w.addr(issuer), expiry });
  const issue = (w: World, subject: string, role = SPECIALIST, organisation = CITY, expiry = T + 90 * DAY): Unsigned => ({
    type: "IssueCredential",
    subject: w.addr(subject),
    role,
    organisation,
    expiry,
  });
  const setPolicy = (
    w: World,
    patient: string,
    o: { id?: number; issuer?: string; role?: number; access?: number; categories?: number; duration?: number } = {},
  ): Unsigned => ({
    type: "SetPolicy",
    patient: w.addr(patient),
    policyId: o.id ?? 7,
    issuer: w.addr(o.issuer ?? "board"),
    role: o.role ?? SPECIALIST,
    access: o.access ?? 1,
    categories: o.categories ?? 0b1010,
    duration: o.duration ?? 30 * DAY,
  });
  const removePolicy = (w: World, patient: string, id = 7): Unsigned => ({ type: "RemovePolicy", patient: w.addr(patient), policyId: id });
  const request = (w: World, patient: string, id = 7, organisation = CITY): Unsigned => ({
    type: "RequestAccess",
    patient: w.addr(patient),
    policyId: id,
    organisation,
  });
  const breakGlass = (w: World, patient: string, issuer = "board", categories = 0b11, organisation = CITY): Unsigned => ({
    type: "BreakGlass",
    patient: w.addr(patient),
    issuer: w.addr(issuer),
    organisation,
    categories,
  });
  const delegate = (w: World, d: string): Unsigned => ({ type: "SetDelegate", delegate: w.addr(d), expiry: T + 365 * DAY });
  /** registrar registers the board; the board credentials `subject` (specialist at CITY). */
  const credentialed = (w: World, subject = "specialist", role = SPECIALIST) => [w.sign("registrar", regIssuer(w)), w.sign("board", issue(w, subject, role))];
  /** ... and alice sets policy 7 for the board's specialists. */
  const withPolicy = (w: World, o: Parameters<typeof setPolicy>[2] = {}) => [...credentialed(w), w.sign("alice", setPolicy(w, "alice", o))];
  const leaf = (s: TreeState, key: Uint8Array) => treeGet(s.root, key);
  const grantOf = (s: TreeState, w: World, patient: string, grantee: string) => {
    const l = leaf(s, consentKey(w.addr(patient), w.addr(grantee)));
    return l === null ? null : consentOf(l.value);
  };

  return [
    // ---- RegisterIssuer (signed by the network's registrar)
    { name: "issuer registry: the registrar registers an issuer", rule: "issuer-registry", txs: (w) => [w.sign("registrar", regIssuer(w))], expect: "ok" },
    {
      name: "issuer registry: the registrar removes an issuer (expiry 0)",
      rule: "issuer-registry",
      setup: (w) => [w.sign("registrar", regIssuer(w))],
      txs: (w) => [w.sign("registrar", regIssuer(w, "board", 0))],
      expect: "ok",
      check: (s, w) => claim(leaf(s, issuerKey(w.addr("board"))) === null, "the issuer leaf is deleted"),
    },
    {
      name: "issuer registry: removing an absent issuer is valid",
      rule: "issuer-registry",
      txs: (w) => [w.sign("registrar", regIssuer(w, "board", 0))],
      expect: "ok",
    },
    {
      name: "issuer registry: a registration by another account than the registrar is unauthorised",
      rule: "issuer-registry",
      txs: (w) => [w.sign("board", regIssuer(w, "board"))],
      expect: "Unauthorized",
    },
    {
      name: "issuer registry: an expiry equal to the batch time is expired",
      rule: "expiry",
      txs: (w) => [w.sign("registrar", regIssuer(w, "board", T))],
      expect: "Expired",
    },

    // ---- IssueCredential (signed by a registered issuer; expiry 0 revokes)
    {
      name: "credential: a registered issuer attests a role at an organisation",
      rule: "credential",
      setup: (w) => [w.sign("registrar", regIssuer(w))],
      txs: (w) => [w.sign("board", issue(w, "specialist"))],
      expect: "ok",
      check: (s, w) => claim(leaf(s, credentialKey(w.addr("board"), w.addr("specialist"), SPECIALIST, CITY)) !== null, "credential written"),
    },
    {
      name: "credential: the issuer revokes a credential (expiry 0)",
      rule: "credential",
      setup: (w) => credentialed(w),
      txs: (w) => [w.sign("board", issue(w, "specialist", SPECIALIST, CITY, 0))],
      expect: "ok",
      check: (s, w) => claim(leaf(s, credentialKey(w.addr("board"), w.addr("specialist"), SPECIALIST, CITY)) === null, "credential deleted"),
    },
    {
      name: "credential: one subject holds the same role at two organisations",
      rule: "credential",
      setup: (w) => credentialed(w),
      txs: (w) => [w.sign("board", issue(w, "specialist", SPECIALIST, OTHER_ORG))],
      expect: "ok",
    },
    {
      name: "credential: an unregistered issuer is unauthorised",
      rule: "authority",
      txs: (w) => [w.sign("board", issue(w, "specialist"))],
      expect: "Unauthorized",
    },
    {
      name: "credential: an issuer whose registration ends at the batch time is unauthorised",
      rule: "authority",
      setup: (w) => [w.sign("registrar", regIssuer(w, "board", T + 1))],
      timestamp: T + 1,
      txs: (w) => [w.sign("board", issue(w, "specialist"))],
      expect: "Unauthorized",
    },
    {
      name: "credential: a removed issuer cannot revoke either",
      rule: "authority",
      setup: (w) => [...credentialed(w), w.sign("registrar", regIssuer(w, "board", 0))],
      txs: (w) => [w.sign("board", issue(w, "specialist", SPECIALIST, CITY, 0))],
      expect: "Unauthorized",
    },
    {
      name: "credential: role 0 is an invalid field",
      rule: "fields",
      setup: (w) => [w.sign("registrar", regIssuer(w))],
      txs: (w) => [w.sign("board", issue(w, "specialist", 0))],
      expect: "InvalidField",
    },
    {
      name: "credential: an issuer cannot credential itself",
      rule: "identity",
      setup: (w) => [w.sign("registrar", regIssuer(w))],
      txs: (w) => [w.sign("board", issue(w, "board"))],
      expect: "InvalidField",
    },
    {
      name: "credential: an expiry equal to the batch time is expired",
      rule: "expiry",
      setup: (w) => [w.sign("registrar", regIssuer(w))],
      txs: (w) => [w.sign("board", issue(w, "specialist", SPECIALIST, CITY, T))],
      expect: "Expired",
    },

    // ---- SetPolicy / RemovePolicy (signed by the patient or a live guardian)
    {
      name: "policy: a patient sets a policy",
      rule: "policy",
      txs: (w) => [w.sign("alice", setPolicy(w, "alice"))],
      expect: "ok",
      check: (s, w) => claim(leaf(s, policyKey(w.addr("alice"), 7)) !== null, "policy written"),
    },
    {
      name: "policy: the longest duration (365 days) is accepted",
      rule: "fields",
      txs: (w) => [w.sign("alice", setPolicy(w, "alice", { duration: MAX_POLICY_DURATION, access: 3, categories: 0xffffffff, role: 255, id: 0xffffffff }))],
      expect: "ok",
    },
    {
      name: "policy: a guardian sets a policy for the patient",
      rule: "authority",
      setup: (w) => [w.sign("alice", delegate(w, "guardian"))],
      txs: (w) => [w.sign("guardian", setPolicy(w, "alice"))],
      expect: "ok",
    },
    {
      name: "policy: a stranger cannot set a patient's policy",
      rule: "authority",
      txs: (w) => [w.sign("mallory", setPolicy(w, "alice"))],
      expect: "Unauthorized",
    },
    { name: "policy: role 0 is an invalid field", rule: "fields", txs: (w) => [w.sign("alice", setPolicy(w, "alice", { role: 0 }))], expect: "InvalidField" },
    {
      name: "policy: access 0 is an invalid field",
      rule: "fields",
      txs: (w) => [w.sign("alice", setPolicy(w, "alice", { access: 0 }))],
      expect: "InvalidField",
    },
    {
      name: "policy: access 4 is an invalid field",
      rule: "fields",
      txs: (w) => [w.sign("alice", setPolicy(w, "alice", { access: 4 }))],
      expect: "InvalidField",
    },
    {
      name: "policy: an empty category mask is an invalid field",
      rule: "fields",
      txs: (w) => [w.sign("alice", setPolicy(w, "alice", { categories: 0 }))],
      expect: "InvalidField",
    },
    {
      name: "policy: duration 0 is an invalid field",
      rule: "fields",
      txs: (w) => [w.sign("alice", setPolicy(w, "alice", { duration: 0 }))],
      expect: "InvalidField",
    },
    {
      name: "policy: a duration above 365 days is an invalid field",
      rule: "fields",
      txs: (w) => [w.sign("alice", setPolicy(w, "alice", { duration: MAX_POLICY_DURATION + 1 }))],
      expect: "InvalidField",
    },
    {
      name: "policy: a patient removes a policy",
      rule: "policy",
      setup: (w) => [w.sign("alice", setPolicy(w, "alice"))],
      txs: (w) => [w.sign("alice", removePolicy(w, "alice"))],
      expect: "ok",
      check: (s, w) => claim(leaf(s, policyKey(w.addr("alice"), 7)) === null, "policy deleted"),
    },
    { name: "policy: removing an absent policy is valid", rule: "policy", txs: (w) => [w.sign("alice", removePolicy(w, "alice", 99))], expect: "ok" },
    {
      name: "policy: a guardian removes a policy",
      rule: "authority",
      setup: (w) => [w.sign("alice", delegate(w, "guardian")), w.sign("alice", setPolicy(w, "alice"))],
      txs: (w) => [w.sign("guardian", removePolicy(w, "alice"))],
      expect: "ok",
    },
    {
      name: "policy: a stranger cannot remove a patient's policy",
      rule: "authority",
      setup: (w) => [w.sign("alice", setPolicy(w, "alice"))],
      txs: (w) => [w.sign("mallory", removePolicy(w, "alice"))],
      expect: "Unauthorized",
    },

    // ---- RequestAccess (granted by the transition when a policy matches)
    {
      name: "request access: a credentialed specialist obtains the policy's grant for T + duration",
      rule: "request-access",
      setup: (w) => withPolicy(w),
      txs: (w) => [w.sign("specialist", request(w, "alice"))],
      expect: "ok",
      check: (s, w) => {
        const g = grantOf(s, w, "alice", "specialist");
        claim(g !== null && g.access === 1 && g.categories === 0b1010 && g.expiry === T + 30 * DAY, "READ of categories 1 and 3 until T + 30 days");
      },
    },
    {
      name: "request access: a policy's WRITE grant lets the provider anchor a record in its categories",
      rule: "request-access",
      setup: (w) => withPolicy(w, { access: 3 }),
      txs: (w) => [
        w.sign("specialist", request(w, "alice")),
        w.sign("specialist", {
          type: "AnchorRecord",
          patient: w.addr("alice"),
          recordId: h("record-1"),
          ciphertextHash: h("ct"),
          locationHash: h("loc"),
          category: 1,
          version: 1,
        }),
      ],
      expect: "ok",
    },
    {
      name: "request access: the grant replaces the provider's earlier grant from the patient",
      rule: "request-access",
      setup: (w) => [
        ...withPolicy(w),
        w.sign("alice", { type: "GrantConsent", grantee: w.addr("specialist"), access: 3, categories: 0xff, expiry: T + 300 * DAY }),
      ],
      txs: (w) => [w.sign("specialist", request(w, "alice"))],
      expect: "ok",
      check: (s, w) => claim(grantOf(s, w, "alice", "specialist")?.access === 1, "the policy's READ replaced the earlier grant"),
    },
    {
      name: "request access: the patient revokes a grant a policy made",
      rule: "request-access",
      setup: (w) => [...withPolicy(w), w.sign("specialist", request(w, "alice"))],
      txs: (w) => [w.sign("alice", { type: "RevokeConsent", grantee: w.addr("specialist") })],
      expect: "ok",
      check: (s, w) => claim(grantOf(s, w, "alice", "specialist") === null, "grant revoked"),
    },
    {
      name: "request access: no policy of that id is NoPolicy",
      rule: "request-access",
      setup: (w) => withPolicy(w),
      txs: (w) => [w.sign("specialist", request(w, "alice", 8))],
      expect: "NoPolicy",
    },
    {
      name: "request access: a removed policy is NoPolicy",
      rule: "request-access",
      setup: (w) => [...withPolicy(w), w.sign("alice", removePolicy(w, "alice"))],
      txs: (w) => [w.sign("specialist", request(w, "alice"))],
      expect: "NoPolicy",
    },
    {
      name: "request access: another patient's policy does not apply",
      rule: "request-access",
      setup: (w) => withPolicy(w),
      txs: (w) => [w.sign("specialist", request(w, "bob"))],
      expect: "NoPolicy",
    },
    {
      name: "request access: a policy naming an unregistered issuer gives NoCredential",
      rule: "request-access",
      setup: (w) => [...credentialed(w), w.sign("alice", setPolicy(w, "alice", { issuer: "other-board" }))],
      txs: (w) => [w.sign("specialist", request(w, "alice"))],
      expect: "NoCredential",
    },
    {
      name: "request access: a credential whose issuer was removed is NoCredential",
      rule: "request-access",
      setup: (w) => [...withPolicy(w), w.sign("registrar", regIssuer(w, "board", 0))],
      txs: (w) => [w.sign("specialist", request(w, "alice"))],
      expect: "NoCredential",
    },
    {
      name: "request access: a credential whose issuer's registration ends at the batch time is NoCredential",
      rule: "request-access",
      setup: (w) => [w.sign("registrar", regIssuer(w, "board", T + 5)), w.sign("board", issue(w, "specialist")), w.sign("alice", setPolicy(w, "alice"))],
      timestamp: T + 5,
      txs: (w) => [w.sign("specialist", request(w, "alice"))],
      expect: "NoCredential",
    },
    {
      name: "request access: a provider without a credential is NoCredential",
      rule: "request-access",
      setup: (w) => withPolicy(w),
      txs: (w) => [w.sign("mallory", request(w, "alice"))],
      expect: "NoCredential",
    },
    {
      name: "request access: a revoked credential is NoCredential",
      rule: "request-access",
      setup: (w) => [...withPolicy(w), w.sign("board", issue(w, "specialist", SPECIALIST, CITY, 0))],
      txs: (w) => [w.sign("specialist", request(w, "alice"))],
      expect: "NoCredential",
    },
    {
      name: "request access: a credential expiring at the batch time is NoCredential",
      rule: "request-access",
      setup: (w) => [
        w.sign("registrar", regIssuer(w)),
        w.sign("board", issue(w, "specialist", SPECIALIST, CITY, T + 5)),
        w.sign("alice", setPolicy(w, "alice")),
      ],
      timestamp: T + 5,
      txs: (w) => [w.sign("specialist", request(w, "alice"))],
      expect: "NoCredential",
    },
    {
      name: "request access: a credential of another role is NoCredential",
      rule: "request-access",
      setup: (w) => [...credentialed(w, "specialist", 5), w.sign("alice", setPolicy(w, "alice"))],
      txs: (w) => [w.sign("specialist", request(w, "alice"))],
      expect: "NoCredential",
    },
    {
      name: "request access: a credential from another registered issuer is NoCredential",
      rule: "request-access",
      setup: (w) => [
        w.sign("registrar", regIssuer(w, "other-board")),
        w.sign("other-board", issue(w, "specialist")),
        w.sign("registrar", regIssuer(w)),
        w.sign("alice", setPolicy(w, "alice")),
      ],
      txs: (w) => [w.sign("specialist", request(w, "alice"))],
      expect: "NoCredential",
    },
    {
      name: "request access: naming another organisation than the credential's is NoCredential",
      rule: "request-access",
      setup: (w) => withPolicy(w),
      txs: (w) => [w.sign("specialist", request(w, "alice", 7, OTHER_ORG))],
      expect: "NoCredential",
    },
    {
      name: "request access: a patient cannot request from themself",
      rule: "identity",
      setup: (w) => withPolicy(w),
      txs: (w) => [w.sign("alice", request(w, "alice"))],
      expect: "InvalidField",
    },
    {
      name: "request access: a grant at the largest batch time wraps modulo 2^40 in both rule sets",
      rule: "request-access",
      setup: (w) => [
        w.sign("registrar", regIssuer(w, "board", 2 ** 40 - 1)),
        w.sign("board", issue(w, "specialist", SPECIALIST, CITY, 2 ** 40 - 1)),
        w.sign("alice", setPolicy(w, "alice")),
      ],
      timestamp: 2 ** 40 - 10,
      txs: (w) => [w.sign("specialist", request(w, "alice"))],
      expect: "ok",
      check: (s, w) => claim(grantOf(s, w, "alice", "specialist")?.expiry === 30 * DAY - 10, "expiry (T + D) mod 2^40"),
    },

    // ---- BreakGlass (a live emergency credential from a registered issuer)
    {
      name: "break-glass: an emergency clinician opens READ of chosen categories for four hours",
      rule: "break-glass",
      setup: (w) => credentialed(w, "medic", EMERGENCY_ROLE),
      txs: (w) => [w.sign("medic", breakGlass(w, "alice"))],
      expect: "ok",
      check: (s, w) => {
        const g = grantOf(s, w, "alice", "medic");
        claim(g !== null && g.access === 1 && g.categories === 0b11 && g.expiry === T + BREAK_GLASS_DURATION, "READ of categories 0 and 1 until T + 4 h");
      },
    },
    {
      name: "break-glass: the patient revokes a break-glass grant",
      rule: "break-glass",
      setup: (w) => [...credentialed(w, "medic", EMERGENCY_ROLE), w.sign("medic", breakGlass(w, "alice"))],
      txs: (w) => [w.sign("alice", { type: "RevokeConsent", grantee: w.addr("medic") })],
      expect: "ok",
    },
    {
      name: "break-glass: the grant is READ only (an anchor under it is NoConsent)",
      rule: "break-glass",
      setup: (w) => [...credentialed(w, "medic", EMERGENCY_ROLE), w.sign("medic", breakGlass(w, "alice"))],
      txs: (w) => [
        w.sign("medic", {
          type: "AnchorRecord",
          patient: w.addr("alice"),
          recordId: h("record-1"),
          ciphertextHash: h("ct"),
          locationHash: h("loc"),
          category: 1,
          version: 1,
        }),
      ],
      expect: "NoConsent",
    },
    {
      name: "break-glass: a credential of another role is NoCredential",
      rule: "break-glass",
      setup: (w) => credentialed(w, "medic", SPECIALIST),
      txs: (w) => [w.sign("medic", breakGlass(w, "alice"))],
      expect: "NoCredential",
    },
    {
      name: "break-glass: an unregistered issuer is NoCredential",
      rule: "break-glass",
      setup: (w) => credentialed(w, "medic", EMERGENCY_ROLE),
      txs: (w) => [w.sign("medic", breakGlass(w, "alice", "other-board"))],
      expect: "NoCredential",
    },
    {
      name: "break-glass: a provider without a credential is NoCredential",
      rule: "break-glass",
      setup: (w) => [w.sign("registrar", regIssuer(w))],
      txs: (w) => [w.sign("mallory", breakGlass(w, "alice"))],
      expect: "NoCredential",
    },
    {
      name: "break-glass: a revoked emergency credential is NoCredential",
      rule: "break-glass",
      setup: (w) => [...credentialed(w, "medic", EMERGENCY_ROLE), w.sign("board", issue(w, "medic", EMERGENCY_ROLE, CITY, 0))],
      txs: (w) => [w.sign("medic", breakGlass(w, "alice"))],
      expect: "NoCredential",
    },
    {
      name: "break-glass: an empty category mask is an invalid field",
      rule: "fields",
      setup: (w) => credentialed(w, "medic", EMERGENCY_ROLE),
      txs: (w) => [w.sign("medic", breakGlass(w, "alice", "board", 0))],
      expect: "InvalidField",
    },
    {
      name: "break-glass: a patient cannot break the glass on themself",
      rule: "identity",
      setup: (w) => credentialed(w, "alice", EMERGENCY_ROLE),
      txs: (w) => [w.sign("alice", breakGlass(w, "alice"))],
      expect: "InvalidField",
    },

    // ---- forced leaves
    {
      name: "forced: an inbox RequestAccess without a policy is a no-op",
      rule: "forced",
      forced: true,
      txs: (w) => [w.sign("specialist", request(w, "alice"))],
      expect: "NoPolicy",
      fraud: "None",
    },
    {
      name: "forced: a sequencer posting an inbox break-glass as a no-op has posted a wrong root",
      rule: "forced",
      forced: true,
      setup: (w) => credentialed(w, "medic", EMERGENCY_ROLE),
      txs: (w) => [w.sign("medic", breakGlass(w, "alice"))],
      expect: "ok",
      posted: "preRoot",
      fraud: "WrongRoot",
    },
    {
      name: "request access: a proposer posting a wrong root after a granted request is WrongRoot",
      rule: "request-access",
      setup: (w) => withPolicy(w),
      txs: (w) => [w.sign("specialist", request(w, "alice"))],
      expect: "ok",
      posted: "other",
      fraud: "WrongRoot",
    },
  ];
}

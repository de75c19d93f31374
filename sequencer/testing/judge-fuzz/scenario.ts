/**
 * Scenarios of the judge fuzzer: random states and batches described as plain data (so fast-check can
 * generate, print and shrink them), and the builder that turns one into signed transactions, batch data
 * and the leaves a challenger sees. Pure; runner.ts posts what this builds and attacks it.
 *
 * What a scenario covers: a synthetic filler of random leaves (realistic depth), a setup batch of honest
 * transactions of every type over accounts whose state keys share long prefixes (ground below, so that
 * deletes collapse several levels and inserts split deep), forced inbox leaves (valid and no-op, posted
 * honestly or not), and chunks of every transaction type of which the last may be dishonest (a wrong
 * root, an invalid transaction included, or a body that does not decode).
 */
import fc from "fast-check";
import type { Address, Hex } from "viem";
import { commonPrefixBits, concatBytes, toHex, type Word, wordFromBigint } from "../../protocol/bytes.js";
import { type BatchData, leafParts, leavesOf } from "../../protocol/batch.js";
import { encodeChunkBody } from "../../protocol/codec.js";
import { keccak256 } from "../../protocol/hash.js";
import { EMERGENCY_ROLE } from "../../protocol/constants.js";
import { accessLogKey, consentKey, credentialKey, nonceKey, nonceOf, policyKey, policyOf, recordKey } from "../../protocol/keys.js";
import { signTx } from "../../protocol/sign.js";
import type { SignedTx, Tx } from "../../protocol/types.js";
import { TreeState } from "../../state/access.js";
import { type TreeNode, treeGet, treeWrite } from "../../state/smt.js";
import { applyTx, type ExecutionContext } from "../../state/transition.js";
import type { PostedLeaf } from "../../prove/fraud-proof.js";
import { TEST_REGISTRAR, testAccount } from "../accounts.js";

const DAY = 86_400;
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const PATIENTS = ["fz-patient-0", "fz-patient-1", "fz-patient-2"];
const PROVIDERS = ["fz-provider-0", "fz-provider-1", "fz-provider-2"];
const GUARDIANS = ["fz-guardian-0", "fz-guardian-1"];
/** An account nobody gave anything to: its anchors lack consent, its delegated grants authority. */
const STRANGER = "fz-stranger";
/** A patient and a provider used only to set up a CategoryMismatch (a grant and a record of their own). */
const CM_PATIENT = "fz-cm-patient";
const CM_PROVIDER = "fz-cm-provider";
const SIGNERS = [...PATIENTS, ...PROVIDERS, ...GUARDIANS];
/** Credential issuers the registrar registers (and removes); their credentials go to providers. */
const ISSUERS = ["fz-issuer-0", "fz-issuer-1"];
/** Role codes the fuzzer issues: the emergency role, and two others. */
const ROLES = [EMERGENCY_ROLE, 2, 3];
/** The registrar the chain is deployed with (TEST_REGISTRAR): it registers providers as vaults. */
const REGISTRAR = "registrar";

const word = (label: string): Word => keccak256(new TextEncoder().encode(label));
const addr = (name: string): Address => testAccount(name).address.toLowerCase() as Address;

/**
 * State keys that share long prefixes: grantees of patient 0 whose consent keys share 8..14 bits with
 * her grant to provider 0, record ids whose record keys share 10 bits with her first record, and
 * patients (of access logs, who never sign) whose log keys share 10 bits with hers. Ground once, in a
 * fixed order, so every run sees the same ones.
 */
export interface Pools {
  grantees: Address[];
  recordIds: Hex[];
  logPatients: Address[];
}
let pools: Pools | null = null;
export function groundPools(): Pools {
  if (pools !== null) return pools;
  const p0 = addr(PATIENTS[0]!);
  const grind = (target: Word, bits: number, count: number, make: (i: number) => Word, key: (w: Word) => Word, tag: string): Word[] => {
    const out: Word[] = [];
    for (let i = 0; out.length < count; i++) {
      const w = make(i);
      if (commonPrefixBits(key(w), target) >= bits) out.push(w);
      if (i > 1 << 22) throw new Error(`judge fuzz: grinding ${tag} took too long`);
    }
    return out;
  };
  const grantTarget = consentKey(p0, addr(PROVIDERS[0]!));
  const asAddress = (i: number, tag: string) => word(`judge-fuzz ${tag} ${i}`).slice(12);
  const grantees = [
    ...grind(
      grantTarget,
      8,
      4,
      (i) => asAddress(i, "grantee8"),
      (w) => consentKey(p0, toHex(w) as Address),
      "grantees",
    ),
    ...grind(
      grantTarget,
      12,
      2,
      (i) => asAddress(i, "grantee12"),
      (w) => consentKey(p0, toHex(w) as Address),
      "grantees",
    ),
    ...grind(
      grantTarget,
      14,
      1,
      (i) => asAddress(i, "grantee14"),
      (w) => consentKey(p0, toHex(w) as Address),
      "grantees",
    ),
  ].map((w) => toHex(w) as Address);
  const record0 = word("judge-fuzz record 0");
  const recordIds = [
    record0,
    ...grind(
      recordKey(p0, toHex(record0)),
      10,
      3,
      (i) => word(`judge-fuzz record ${i + 1}`),
      (w) => recordKey(p0, toHex(w)),
      "records",
    ),
  ].map(toHex);
  const logPatients = grind(
    accessLogKey(p0),
    10,
    2,
    (i) => asAddress(i, "log patient"),
    (w) => accessLogKey(toHex(w) as Address),
    "log patients",
  ).map((w) => toHex(w) as Address);
  pools = { grantees, recordIds, logPatients };
  return pools;
}

// ---- scenario data (what fast-check generates)

export type Op =
  | { k: "grant"; p: number; g: number; access: number; cats: number; days: number }
  | { k: "revoke"; p: number; g: number; existing: boolean }
  | { k: "dgrant"; gd: number; p: number; g: number; access: number; cats: number; days: number }
  | { k: "drevoke"; gd: number; p: number; g: number; existing: boolean }
  | { k: "anchor"; pv: number; p: number; r: number; cat: number; bump: number }
  | { k: "delegate"; p: number; gd: number; remove: boolean }
  | { k: "regkey"; who: number; remove: boolean; label: number }
  | { k: "log"; v: number; lp: number; reader: number; r: number }
  | { k: "vault"; v: number; remove: boolean }
  | { k: "issuer"; i: number; remove: boolean }
  | { k: "cred"; i: number; pv: number; role: number; org: number; revoke: boolean }
  | { k: "policy"; p: number; by: number; id: number; i: number; role: number; access: number; cats: number; days: number; remove: boolean }
  | { k: "request"; pv: number; p: number; id: number; org: number; fit: boolean }
  | { k: "glass"; pv: number; p: number; i: number; org: number; cats: number; fit: boolean };

/** How the last chunk is dishonest (or not). */
export type ChunkFault =
  | { k: "none" }
  | { k: "wrongRoot"; root: "junk" | "preRoot" | "beforeLast" }
  | { k: "invalid"; what: InvalidKind; at: number }
  | { k: "undecodable"; how: "trailingByte" | "reservedBit" | "truncated" | "typeZero" };
export type InvalidKind =
  | "badNonce"
  | "highS"
  | "sigZeroR"
  | "sigRAboveN"
  | "sigNoPoint"
  | "noConsent"
  | "unauthorized"
  | "unauthorizedLog"
  | "unauthorizedVault"
  | "expired"
  | "invalidField"
  | "badVersion"
  | "categoryMismatch"
  | "noPolicy"
  | "noCredential"
  | "unauthorizedIssuer"
  | "unauthorizedPolicy"
  | "unauthorizedIssuerRegistry";
export const INVALID_KINDS: readonly InvalidKind[] = [
  "badNonce",
  "highS",
  "sigZeroR",
  "sigRAboveN",
  "sigNoPoint",
  "noConsent",
  "unauthorized",
  "unauthorizedLog",
  "unauthorizedVault",
  "expired",
  "invalidField",
  "badVersion",
  "categoryMismatch",
  "noPolicy",
  "noCredential",
  "unauthorizedIssuer",
  "unauthorizedPolicy",
  "unauthorizedIssuerRegistry",
];

export interface Scenario {
  /** random leaves the synthetic filler batch claims (0: none) */
  filler: number;
  fillerSeed: number;
  setup: Op[];
  /** forced inbox transactions and how the proposer posts each: its true root, its pre-root, or junk */
  forced: { op: Op; posted: "true" | "preRoot" | "junk" }[];
  chunks: Op[][];
  fault: ChunkFault;
  /** seeds the mutation choices of the runner */
  mutationSeed: number;
}

const nat = (n: number) => fc.nat({ max: n - 1 });
/** Patient 0 most often: her keys are the ones ground to share prefixes. */
const patientIndex = fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: nat(PATIENTS.length) });
const granteeIndex = fc.oneof(nat(PROVIDERS.length), fc.integer({ min: PROVIDERS.length, max: PROVIDERS.length + 6 }));
const recordIndex = nat(4);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant("grant" as const),
      p: patientIndex,
      g: granteeIndex,
      access: fc.integer({ min: 1, max: 3 }),
      cats: fc.integer({ min: 1, max: 0xff }),
      days: fc.integer({ min: 1, max: 60 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("revoke" as const), p: patientIndex, g: granteeIndex, existing: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("dgrant" as const),
      gd: nat(2),
      p: patientIndex,
      g: granteeIndex,
      access: fc.integer({ min: 1, max: 3 }),
      cats: fc.integer({ min: 1, max: 0xff }),
      days: fc.integer({ min: 1, max: 60 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("drevoke" as const), gd: nat(2), p: patientIndex, g: granteeIndex, existing: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: fc.record({ k: fc.constant("anchor" as const), pv: nat(3), p: patientIndex, r: recordIndex, cat: nat(8), bump: fc.integer({ min: 1, max: 3 }) }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("delegate" as const), p: patientIndex, gd: nat(2), remove: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("regkey" as const), who: nat(SIGNERS.length), remove: fc.boolean(), label: nat(4) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("log" as const), v: nat(3), lp: nat(5), reader: nat(3), r: recordIndex }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("vault" as const), v: nat(3), remove: fc.boolean() }) },
  // governance (docs/protocol.md section 13): issuers, credentials, policies, requests, break-glass
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant("issuer" as const),
      i: nat(ISSUERS.length),
      remove: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, fc.constant(true)),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ k: fc.constant("cred" as const), i: nat(ISSUERS.length), pv: nat(3), role: nat(ROLES.length), org: nat(2), revoke: fc.boolean() }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant("policy" as const),
      p: patientIndex,
      by: nat(3), // 0: the patient, 1..2: guardian by-1
      id: nat(3),
      i: nat(ISSUERS.length),
      role: nat(ROLES.length),
      access: fc.integer({ min: 1, max: 3 }),
      cats: fc.integer({ min: 1, max: 0xff }),
      days: fc.integer({ min: 1, max: 365 }),
      remove: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("request" as const), pv: nat(3), p: patientIndex, id: nat(3), org: nat(2), fit: fc.boolean() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant("glass" as const),
      pv: nat(3),
      p: patientIndex,
      i: nat(ISSUERS.length),
      org: nat(2),
      cats: fc.integer({ min: 1, max: 0xff }),
      fit: fc.boolean(),
    }),
  },
);
const org = (i: number): Hex => toHex(word(`judge-fuzz organisation ${i}`));
/** Both issuers registered; provider 0 an emergency clinician, providers 1 and 2 specialists; two patients' policies for specialists. */
const GOVERNANCE_SETUP: Op[] = [
  { k: "issuer", i: 0, remove: false },
  { k: "issuer", i: 1, remove: false },
  { k: "cred", i: 0, pv: 0, role: 0, org: 0, revoke: false },
  { k: "cred", i: 1, pv: 0, role: 0, org: 1, revoke: false },
  { k: "cred", i: 0, pv: 1, role: 2, org: 0, revoke: false },
  { k: "cred", i: 1, pv: 2, role: 2, org: 1, revoke: false },
  { k: "policy", p: 0, by: 0, id: 0, i: 0, role: 2, access: 3, cats: 0xff, days: 30, remove: false },
  { k: "policy", p: 1, by: 0, id: 1, i: 1, role: 2, access: 1, cats: 0x0f, days: 7, remove: false },
];

const faultArb: fc.Arbitrary<ChunkFault> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ k: "none" as const }) },
  {
    weight: 2,
    arbitrary: fc.record({ k: fc.constant("wrongRoot" as const), root: fc.constantFrom("junk" as const, "preRoot" as const, "beforeLast" as const) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant("invalid" as const),
      what: fc.constantFrom<InvalidKind>(...INVALID_KINDS),
      at: fc.nat({ max: 8 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("undecodable" as const),
      how: fc.constantFrom("trailingByte" as const, "reservedBit" as const, "truncated" as const, "typeZero" as const),
    }),
  },
);

export const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  filler: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 400 })),
  fillerSeed: fc.nat(),
  // half the scenarios start from a governance set-up (issuers, credentials, policies), so that requests
  // and break-glass in the attacked chunks are often valid, not only refused
  setup: fc.tuple(fc.boolean(), fc.array(opArb, { minLength: 4, maxLength: 30 })).map(([gov, ops]) => (gov ? [...GOVERNANCE_SETUP, ...ops] : ops)),
  forced: fc.array(fc.record({ op: opArb, posted: fc.constantFrom("true" as const, "true" as const, "preRoot" as const, "junk" as const) }), { maxLength: 2 }),
  chunks: fc.array(fc.array(opArb, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 3 }),
  fault: faultArb,
  mutationSeed: fc.nat(),
});

// ---- building

/** Signs operations with each signer's next nonce as the state says it. */
class Builder {
  constructor(
    readonly pools: Pools,
    readonly ctx: ExecutionContext,
  ) {}

  nonceOf(state: TreeState, name: string): number {
    const leaf = treeGet(state.root, nonceKey(addr(name)));
    return leaf === null ? 0 : nonceOf(leaf.value);
  }

  grantee(g: number): Address {
    return g < PROVIDERS.length ? addr(PROVIDERS[g]!) : this.pools.grantees[(g - PROVIDERS.length) % this.pools.grantees.length]!;
  }

  /** For a revocation of an `existing` grant: the first grantee from `g` on that patient `p` has a grant to (else `g`'s). */
  revoked(state: TreeState, p: number, g: number, existing: boolean): Address {
    const count = PROVIDERS.length + this.pools.grantees.length;
    if (existing) {
      for (let k = 0; k < count; k++) {
        const grantee = this.grantee((g + k) % count);
        if (treeGet(state.root, consentKey(addr(PATIENTS[p]!), grantee)) !== null) return grantee;
      }
    }
    return this.grantee(g);
  }

  /** The signer and unsigned transaction of an operation (or null when it makes no sense here). */
  txOf(op: Op, state: TreeState): { signer: string; tx: Omit<Tx, "nonce"> } | null {
    const T = this.ctx.timestamp;
    switch (op.k) {
      case "grant":
        return {
          signer: PATIENTS[op.p]!,
          tx: { type: "GrantConsent", grantee: this.grantee(op.g), access: op.access, categories: op.cats, expiry: T + op.days * DAY } as never,
        };
      case "revoke":
        return { signer: PATIENTS[op.p]!, tx: { type: "RevokeConsent", grantee: this.revoked(state, op.p, op.g, op.existing) } as never };
      case "dgrant":
        return {
          signer: GUARDIANS[op.gd]!,
          tx: {
            type: "DelegatedGrantConsent",
            patient: addr(PATIENTS[op.p]!),
            grantee: this.grantee(op.g),
            access: op.access,
            categories: op.cats,
            expiry: T + op.days * DAY,
          } as never,
        };
      case "drevoke":
        return {
          signer: GUARDIANS[op.gd]!,
          tx: { type: "DelegatedRevokeConsent", patient: addr(PATIENTS[op.p]!), grantee: this.revoked(state, op.p, op.g, op.existing) } as never,
        };
      case "anchor": {
        const patient = addr(PATIENTS[op.p]!);
        const recordId = this.pools.recordIds[op.r]!;
        const existing = treeGet(state.root, recordKey(patient, recordId));
        const version = existing?.preimage ? new DataView(existing.preimage.buffer, existing.preimage.byteOffset).getUint32(85) + op.bump : op.bump;
        const category = existing?.preimage ? existing.preimage[84]! : op.cat;
        return {
          signer: PROVIDERS[op.pv]!,
          tx: {
            type: "AnchorRecord",
            patient,
            recordId,
            ciphertextHash: toHex(word(`ct ${recordId} ${version}`)),
            locationHash: toHex(word(`loc ${version}`)),
            category,
            version,
          } as never,
        };
      }
      case "delegate":
        return { signer: PATIENTS[op.p]!, tx: { type: "SetDelegate", delegate: addr(GUARDIANS[op.gd]!), expiry: op.remove ? 0 : T + 365 * DAY } as never };
      case "regkey":
        return {
          signer: SIGNERS[op.who]!,
          tx: { type: "RegisterEncryptionKey", publicKey: op.remove ? toHex(new Uint8Array(32)) : toHex(keccak256(keyPreimage(op.label))) } as never,
        };
      case "log": {
        const patient = op.lp < PATIENTS.length ? addr(PATIENTS[op.lp]!) : this.pools.logPatients[op.lp - PATIENTS.length]!;
        const recordId = this.pools.recordIds[op.r]!;
        return {
          signer: PROVIDERS[op.v]!,
          tx: {
            type: "LogAccess",
            patient,
            reader: addr(PROVIDERS[op.reader]!),
            recordId,
            version: 1,
            requestHash: toHex(word(`req ${op.reader} ${op.r}`)),
          } as never,
        };
      }
      case "vault":
        // a provider's LogAccess is valid only while the registrar has it registered
        return { signer: REGISTRAR, tx: { type: "RegisterVault", vault: addr(PROVIDERS[op.v]!), expiry: op.remove ? 0 : T + 365 * DAY } as never };
      case "issuer":
        return { signer: REGISTRAR, tx: { type: "RegisterIssuer", issuer: addr(ISSUERS[op.i]!), expiry: op.remove ? 0 : T + 365 * DAY } as never };
      case "cred":
        return {
          signer: ISSUERS[op.i]!,
          tx: {
            type: "IssueCredential",
            subject: addr(PROVIDERS[op.pv]!),
            role: ROLES[op.role]!,
            organisation: org(op.org),
            expiry: op.revoke ? 0 : T + 90 * DAY,
          } as never,
        };
      case "policy": {
        const signer = op.by === 0 ? PATIENTS[op.p]! : GUARDIANS[op.by - 1]!;
        const patient = addr(PATIENTS[op.p]!);
        if (op.remove) return { signer, tx: { type: "RemovePolicy", patient, policyId: op.id } as never };
        return {
          signer,
          tx: {
            type: "SetPolicy",
            patient,
            policyId: op.id,
            issuer: addr(ISSUERS[op.i]!),
            role: ROLES[op.role]!,
            access: op.access,
            categories: op.cats,
            duration: op.days * DAY,
          } as never,
        };
      }
      case "request": {
        const [id, o] = op.fit ? this.fittingPolicy(state, op) : [op.id, op.org];
        return { signer: PROVIDERS[op.pv]!, tx: { type: "RequestAccess", patient: addr(PATIENTS[op.p]!), policyId: id, organisation: org(o) } as never };
      }
      case "glass": {
        const [i, o] = op.fit ? this.fittingEmergency(state, op) : [op.i, op.org];
        return {
          signer: PROVIDERS[op.pv]!,
          tx: { type: "BreakGlass", patient: addr(PATIENTS[op.p]!), issuer: addr(ISSUERS[i]!), organisation: org(o), categories: op.cats } as never,
        };
      }
    }
  }

  /** For a `fit` request: a policy id of the patient and an organisation under which the provider holds the policy's credential (else the op's own). */
  fittingPolicy(state: TreeState, op: Extract<Op, { k: "request" }>): [number, number] {
    const patient = addr(PATIENTS[op.p]!);
    for (let k = 0; k < 3; k++) {
      const id = (op.id + k) % 3;
      const leaf = treeGet(state.root, policyKey(patient, id));
      const policy = leaf === null ? null : policyOf(leaf.value);
      if (policy === null) continue;
      for (let j = 0; j < 2; j++) {
        const o = (op.org + j) % 2;
        if (treeGet(state.root, credentialKey(policy.issuer, addr(PROVIDERS[op.pv]!), policy.role, org(o))) !== null) return [id, o];
      }
    }
    return [op.id, op.org];
  }

  /** For a `fit` break-glass: an issuer and organisation of an emergency credential the provider holds (else the op's own). */
  fittingEmergency(state: TreeState, op: Extract<Op, { k: "glass" }>): [number, number] {
    for (let k = 0; k < ISSUERS.length * 2; k++) {
      const i = (op.i + (k >> 1)) % ISSUERS.length;
      const o = (op.org + k) % 2;
      if (treeGet(state.root, credentialKey(addr(ISSUERS[i]!), addr(PROVIDERS[op.pv]!), EMERGENCY_ROLE, org(o))) !== null) return [i, o];
    }
    return [op.i, op.org];
  }

  sign(state: TreeState, signer: string, tx: Omit<Tx, "nonce">, nonce?: number): SignedTx {
    return signTx(this.ctx.domainSeparator, { ...tx, nonce: nonce ?? this.nonceOf(state, signer) } as Tx, testAccount(signer).privateKey);
  }

  /** Sign `op` and apply it to `state`; the transaction and whether it was valid (an invalid one changes nothing). */
  apply(state: TreeState, op: Op): { stx: SignedTx; ok: boolean } | null {
    const t = this.txOf(op, state);
    if (t === null) return null;
    const stx = this.sign(state, t.signer, t.tx);
    const before = state.root;
    const out = applyTx(state, stx, this.ctx);
    if (!out.ok) state.root = before;
    return { stx, ok: out.ok };
  }

  /** The honest transactions of `ops` (invalid ones dropped, as the sequencer does), applied to `state`. */
  honest(state: TreeState, ops: readonly Op[]): SignedTx[] {
    const out: SignedTx[] = [];
    for (const op of ops) {
      const r = this.apply(state, op);
      if (r?.ok) out.push(r.stx);
    }
    return out;
  }

  /**
   * Transactions of which the last is invalid at `state` (after the ones before it, valid, are applied)
   * for the fault's reason; none applied here. Signed by an account nobody gave anything to (so its nonce
   * does not depend on the chunk's other transactions), except the stale version, which needs a provider
   * with a grant and a stored record, and the category change, set up by accounts of its own.
   */
  invalid(state: TreeState, what: InvalidKind): SignedTx[] {
    const T = this.ctx.timestamp;
    const p0 = addr(PATIENTS[0]!);
    const grant = (expiry: number, access = 1, grantee = addr(PROVIDERS[1]!), categories = 1): Omit<Tx, "nonce"> =>
      ({ type: "GrantConsent", grantee, access, categories, expiry }) as never;
    const anchor = (version: number, patient = p0, category = 0): Omit<Tx, "nonce"> =>
      ({
        type: "AnchorRecord",
        patient,
        recordId: this.pools.recordIds[0]!,
        ciphertextHash: toHex(word("x")),
        locationHash: toHex(word("y")),
        category,
        version,
      }) as never;
    /** a stranger's valid-looking grant with its signature's r (and the recovery bit kept) replaced */
    const withR = (r: bigint): SignedTx => {
      const stx = this.sign(state, STRANGER, grant(T + DAY));
      return { ...stx, signature: `0x${r.toString(16).padStart(64, "0")}${stx.signature.slice(66)}` as Hex };
    };
    switch (what) {
      case "badNonce":
        return [this.sign(state, STRANGER, grant(T + DAY), 5)];
      case "highS": {
        const stx = this.sign(state, STRANGER, grant(T + DAY));
        const sig = stx.signature.slice(2);
        const vs = ((BigInt(`0x${sig.slice(64)}`) >> 255n) << 255n) | ((N >> 1n) + 1n);
        return [{ ...stx, signature: `0x${sig.slice(0, 64)}${vs.toString(16).padStart(64, "0")}` as Hex }];
      }
      case "sigZeroR":
        return [withR(0n)];
      case "sigRAboveN":
        return [withR(N + 5n)];
      case "sigNoPoint":
        return [withR(NO_POINT_R)];
      case "noConsent":
        return [this.sign(state, STRANGER, anchor(1))];
      case "unauthorized":
        return [
          this.sign(state, STRANGER, {
            type: "DelegatedGrantConsent",
            patient: p0,
            grantee: addr(PROVIDERS[2]!),
            access: 1,
            categories: 1,
            expiry: T + DAY,
          } as never),
        ];
      case "unauthorizedLog":
        // a LogAccess from an account no registrar registered as a vault
        return [
          this.sign(state, STRANGER, {
            type: "LogAccess",
            patient: p0,
            reader: addr(PROVIDERS[0]!),
            recordId: this.pools.recordIds[0]!,
            version: 1,
            requestHash: toHex(word("stranger's log")),
          } as never),
        ];
      case "unauthorizedVault":
        // a RegisterVault not signed by the registrar
        return [this.sign(state, STRANGER, { type: "RegisterVault", vault: addr(STRANGER), expiry: T + DAY } as never)];
      case "expired":
        return [this.sign(state, STRANGER, grant(T))];
      case "invalidField":
        return [this.sign(state, STRANGER, grant(T + DAY, 0))];
      case "badVersion":
        return [this.sign(state, PROVIDERS[0]!, anchor(1))];
      case "categoryMismatch": {
        // the patient grants WRITE of every category, the provider anchors version 1 in category 0, then
        // version 2 in category 1: covered by the grant, a later version, but another category
        const patient = addr(CM_PATIENT);
        const probe = new TreeState(state.root);
        const setup = [this.sign(probe, CM_PATIENT, grant(T + DAY, 3, addr(CM_PROVIDER), 0xff)), this.sign(probe, CM_PROVIDER, anchor(1, patient, 0))];
        for (const stx of setup) if (!applyTx(probe, stx, this.ctx).ok) throw new Error("judge fuzz: the category-change setup is invalid");
        return [...setup, this.sign(probe, CM_PROVIDER, anchor(2, patient, 1))];
      }
      case "noPolicy":
        // policy ids of the fuzzer's patients are 0..2: 999 is never set
        return [this.sign(state, STRANGER, { type: "RequestAccess", patient: p0, policyId: 999, organisation: org(0) } as never)];
      case "noCredential":
        // nobody credentials the stranger: NoCredential whether or not issuer 0 is registered
        return [this.sign(state, STRANGER, { type: "BreakGlass", patient: p0, issuer: addr(ISSUERS[0]!), organisation: org(0), categories: 1 } as never)];
      case "unauthorizedIssuer":
        return [
          this.sign(state, STRANGER, {
            type: "IssueCredential",
            subject: addr(PROVIDERS[0]!),
            role: EMERGENCY_ROLE,
            organisation: org(0),
            expiry: T + DAY,
          } as never),
        ];
      case "unauthorizedPolicy":
        return [
          this.sign(state, STRANGER, {
            type: "SetPolicy",
            patient: p0,
            policyId: 0,
            issuer: addr(STRANGER),
            role: 2,
            access: 3,
            categories: 0xff,
            duration: DAY,
          } as never),
        ];
      case "unauthorizedIssuerRegistry":
        return [this.sign(state, STRANGER, { type: "RegisterIssuer", issuer: addr(STRANGER), expiry: T + DAY } as never)];
    }
  }
}

/** The transactions `invalid` makes for `what` at the state `root` (the fuzzer's own test checks each). */
export function invalidTransactions(root: TreeNode | null, what: InvalidKind, domainSeparator: Uint8Array, timestamp: number): SignedTx[] {
  return new Builder(groundPools(), { domainSeparator, registrar: TEST_REGISTRAR, timestamp }).invalid(new TreeState(root), what);
}

/** An r below n that is no point's x coordinate (x^3 + 7 is not a square mod p): recovery fails. */
const NO_POINT_R = (() => {
  const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
  const pow = (b: bigint, e: bigint) => {
    let r = 1n;
    let x = b % P;
    for (let k = e; k > 0n; k >>= 1n) {
      if (k & 1n) r = (r * x) % P;
      x = (x * x) % P;
    }
    return r;
  };
  for (let x = 1n; ; x++) if (pow((x * x * x + 7n) % P, (P - 1n) / 2n) !== 1n) return x;
})();

/** The 32-byte preimage of an encryption key the fuzzer registers (its value is keccak256 of it). */
export function keyPreimage(label: number): Uint8Array {
  return word(`judge-fuzz key preimage ${label}`);
}

/** The synthetic filler: random leaves, claimed by one unchallenged batch (the verifier sees only roots). */
function filler(n: number, seed: number): TreeNode | null {
  let root: TreeNode | null = null;
  let x = BigInt(seed) | 1n;
  const next = () => {
    x = (x * 6364136223846793005n + 1442695040888963407n) & ((1n << 256n) - 1n);
    return wordFromBigint(x | 1n);
  };
  for (let i = 0; i < n; i++) root = treeWrite(root, next(), next());
  return root;
}

/** A batch as the builder made it, before it is posted. */
export interface PlannedBatch {
  data: BatchData;
  forcedBodies: Uint8Array[];
  /** the state before the batch */
  pre: TreeNode | null;
}

export interface BuiltScenario {
  /** the filler and setup batches, posted first and never attacked */
  prelude: PlannedBatch[];
  /** forced bodies to enqueue in the inbox before the attacked batch */
  forcedBodies: Uint8Array[];
  /** builds the attacked batch at its timestamp (known only after the inbox entries are queued) */
  attacked: (timestamp: number) => { batch: PlannedBatch; leafStates: (TreeNode | null)[]; junkAt: number | null };
}

const JUNK = word("judge-fuzz: a root nobody can open");

/**
 * Build a scenario over the empty state, signing under `domainSeparator` at `timestamp` (the prelude's;
 * the attacked batch is executed at its own later timestamp).
 */
export function buildScenario(s: Scenario, domainSeparator: Uint8Array, timestamp: number): BuiltScenario {
  const pools = groundPools();
  const prelude: PlannedBatch[] = [];
  let root: TreeNode | null = null;
  if (s.filler > 0) {
    const pre = root;
    root = filler(s.filler, s.fillerSeed);
    prelude.push({
      data: { forcedPostRoots: [], chunks: [{ postRoot: new TreeState(root).rootHash, body: new TextEncoder().encode("judge-fuzz filler") }] },
      forcedBodies: [],
      pre,
    });
  }
  const state = new TreeState(root);
  const b = new Builder(pools, { domainSeparator, registrar: TEST_REGISTRAR, timestamp });
  const pre = state.root;
  const setupTxs = b.honest(state, s.setup);
  if (setupTxs.length > 0) {
    const chunks: SignedTx[][] = [];
    for (let i = 0; i < setupTxs.length; i += 12) chunks.push(setupTxs.slice(i, i + 12));
    // post-roots per chunk: replay the honest transactions chunk by chunk
    const replay = new TreeState(pre);
    const posted = chunks.map((c) => {
      for (const stx of c) applyTx(replay, stx, { domainSeparator, registrar: TEST_REGISTRAR, timestamp });
      return { postRoot: replay.rootHash, body: encodeChunkBody(c) };
    });
    prelude.push({ data: { forcedPostRoots: [], chunks: posted }, forcedBodies: [], pre });
  }
  const afterSetup = state.root;
  // Forced transactions: signed at the post-setup state; they execute (or are no-ops) at the batch time.
  const forcedTxs: SignedTx[] = [];
  {
    const probe = new TreeState(afterSetup);
    const fb = new Builder(pools, { domainSeparator, registrar: TEST_REGISTRAR, timestamp });
    for (const f of s.forced) {
      const t = fb.txOf(f.op, probe);
      if (t === null) continue;
      const stx = fb.sign(probe, t.signer, t.tx);
      forcedTxs.push(stx);
      const before = probe.root;
      if (!applyTx(probe, stx, { domainSeparator, registrar: TEST_REGISTRAR, timestamp }).ok) probe.root = before;
    }
  }
  const forcedBodies = forcedTxs.map((stx) => encodeChunkBody([stx]));
  return {
    prelude,
    forcedBodies,
    attacked: (batchTime: number) => attackedBatch(s, pools, domainSeparator, batchTime, afterSetup, forcedTxs, forcedBodies),
  };
}

function attackedBatch(s: Scenario, pools: Pools, sep: Uint8Array, timestamp: number, pre: TreeNode | null, forcedTxs: SignedTx[], forcedBodies: Uint8Array[]) {
  const ctx = { domainSeparator: sep, registrar: TEST_REGISTRAR, timestamp };
  const state = new TreeState(pre);
  const leafStates: (TreeNode | null)[] = [];
  const forcedPostRoots: Word[] = [];
  let junkAt: number | null = null;
  for (let i = 0; i < forcedTxs.length; i++) {
    leafStates.push(state.root);
    const before = state.root;
    const beforeHash = state.rootHash;
    if (!applyTx(state, forcedTxs[i]!, ctx).ok) state.root = before;
    const how = s.forced[i]!.posted;
    if (how === "true") {
      forcedPostRoots.push(state.rootHash);
      continue;
    }
    // a dishonest forced leaf ends the batch: nothing after it has a state anybody can open
    forcedPostRoots.push(how === "preRoot" ? beforeHash : JUNK);
    junkAt = i;
    return { batch: { data: { forcedPostRoots, chunks: [] }, forcedBodies: forcedBodies.slice(0, i + 1), pre }, leafStates, junkAt };
  }
  const b = new Builder(pools, ctx);
  const chunks: { postRoot: Word; body: Uint8Array }[] = [];
  s.chunks.forEach((ops, ci) => {
    leafStates.push(state.root);
    const preHash = state.rootHash;
    const last = ci === s.chunks.length - 1;
    const fault = last ? s.fault : { k: "none" as const };
    let txs = b.honest(state, ops);
    if (fault.k === "invalid") {
      const at = Math.min(fault.at, txs.length);
      // re-apply the chunk with the invalid transaction in place: it is skipped, the rest applies
      const bad = b.invalid(new TreeState(leafStates[leafStates.length - 1]!), fault.what);
      txs = [...txs.slice(0, at), ...bad, ...txs.slice(at)];
    }
    if (txs.length === 0) txs = b.invalid(state, "badNonce"); // an empty chunk cannot be posted: make it fraud
    if (txs.length > 16) txs = txs.slice(0, 16);
    // the post-root a proposer computes, skipping invalid transactions
    const replay = new TreeState(leafStates[leafStates.length - 1]!);
    let beforeLast = replay.rootHash;
    for (const stx of txs) {
      beforeLast = replay.rootHash;
      const r = replay.root;
      if (!applyTx(replay, stx, ctx).ok) replay.root = r;
    }
    state.root = replay.root;
    let body = encodeChunkBody(txs);
    let postRoot = replay.rootHash;
    if (fault.k === "wrongRoot") postRoot = fault.root === "junk" ? JUNK : fault.root === "preRoot" ? preHash : beforeLast;
    if (fault.k === "undecodable") body = corrupt(body, fault.how);
    chunks.push({ postRoot, body });
  });
  return { batch: { data: { forcedPostRoots, chunks }, forcedBodies, pre }, leafStates, junkAt };
}

function corrupt(body: Uint8Array, how: "trailingByte" | "reservedBit" | "truncated" | "typeZero"): Uint8Array {
  const firstTx = 2 + 20 * body[1]!;
  const c = body.slice();
  switch (how) {
    case "trailingByte":
      return concatBytes(body, new Uint8Array([0]));
    case "reservedBit":
      c[firstTx]! |= 0x10;
      return c;
    case "truncated":
      return body.slice(0, body.length - 1);
    case "typeZero":
      c[firstTx] = 0;
      return c;
  }
}

/** The leaves of a posted batch as a challenger sees them (pre/post roots, body, forced or not). */
export function postedLeaves(batch: PlannedBatch): { leaves: PostedLeaf[]; leafHashes: Word[] } {
  const parts = leafParts(
    new TreeState(batch.pre).rootHash,
    batch.forcedBodies.map((b) => keccak256(b)),
    batch.data,
  );
  const forcedCount = batch.data.forcedPostRoots.length;
  const leaves = parts.map((p, i) => ({
    index: i,
    forced: i < forcedCount,
    preRoot: p.preRoot,
    postRoot: p.postRoot,
    body: i < forcedCount ? batch.forcedBodies[i]! : batch.data.chunks[i - forcedCount]!.body,
  }));
  return { leaves, leafHashes: leavesOf(parts) };
}

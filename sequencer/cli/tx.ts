/** The unsigned transaction a transaction command (or `force <kind>`) builds from its options. */
import type { Hex } from "viem";
import type { UnsignedTx } from "../../sdk/client.js";
import { MAX_POLICY_DURATION } from "../protocol/constants.js";
import { organisationHash } from "../protocol/roles.js";
import { UsageError } from "./errors.js";
import type { KeyStore } from "./keystore.js";

/** Options of the transaction commands, as program.ts declares and parses them. */
export interface TxOptions {
  as: string;
  to?: string;
  for?: string;
  access?: number;
  categories?: number;
  days?: number;
  remove?: boolean;
  patient?: string;
  recordId?: string;
  ciphertextHash?: string;
  locationHash?: string;
  category?: number;
  version?: number;
  role?: number;
  org?: string;
  id?: number;
  issuer?: string;
}

export type TxKind =
  | "grant"
  | "revoke"
  | "delegate"
  | "register-vault"
  | "register-key"
  | "anchor"
  // governance (docs/protocol.md section 13): `issuer register`, `credential issue|revoke`, `policy set|remove`
  | "issuer-register"
  | "credential-issue"
  | "credential-revoke"
  | "policy-set"
  | "policy-remove"
  | "request-access"
  | "break-glass";

const expiry = (days: number | undefined, def: number) => Math.floor(Date.now() / 1000) + Math.round((days ?? def) * 86_400);

export async function buildTx(kind: TxKind, o: TxOptions, store: KeyStore): Promise<UnsignedTx> {
  // program.ts makes each kind's options required; the `!`s below rely on it
  switch (kind) {
    case "grant": {
      const base = { grantee: await store.resolve(o.to!), access: o.access!, categories: o.categories!, expiry: expiry(o.days, 30) };
      return o.for ? { type: "DelegatedGrantConsent", patient: await store.resolve(o.for), ...base } : { type: "GrantConsent", ...base };
    }
    case "revoke": {
      const grantee = await store.resolve(o.to!);
      return o.for ? { type: "DelegatedRevokeConsent", patient: await store.resolve(o.for), grantee } : { type: "RevokeConsent", grantee };
    }
    case "delegate":
      return { type: "SetDelegate", delegate: await store.resolve(o.to!), expiry: o.remove ? 0 : expiry(o.days, 365) };
    case "register-vault":
      return { type: "RegisterVault", vault: await store.resolve(o.to!), expiry: o.remove ? 0 : expiry(o.days, 365) };
    case "register-key":
      return { type: "RegisterEncryptionKey", publicKey: (await store.load(o.as)).encryptionPublicKey };
    case "issuer-register":
      return { type: "RegisterIssuer", issuer: await store.resolve(o.to!), expiry: o.remove ? 0 : expiry(o.days, 365) };
    case "credential-issue":
    case "credential-revoke":
      return {
        type: "IssueCredential",
        subject: await store.resolve(o.to!),
        role: o.role!,
        organisation: organisationHash(o.org!),
        expiry: kind === "credential-revoke" ? 0 : expiry(o.days, 365),
      };
    case "policy-set": {
      const duration = Math.round((o.days ?? 30) * 86_400);
      if (duration > MAX_POLICY_DURATION) throw new UsageError(`a policy grants at most ${MAX_POLICY_DURATION / 86_400} days, not ${o.days}`);
      return {
        type: "SetPolicy",
        patient: await store.resolve(o.for ?? o.as),
        policyId: o.id!,
        issuer: await store.resolve(o.issuer!),
        role: o.role!,
        access: o.access!,
        categories: o.categories!,
        duration,
      };
    }
    case "policy-remove":
      return { type: "RemovePolicy", patient: await store.resolve(o.for ?? o.as), policyId: o.id! };
    case "request-access":
      return { type: "RequestAccess", patient: await store.resolve(o.patient!), policyId: o.id!, organisation: organisationHash(o.org!) };
    case "break-glass":
      return {
        type: "BreakGlass",
        patient: await store.resolve(o.patient!),
        issuer: await store.resolve(o.issuer!),
        organisation: organisationHash(o.org!),
        categories: o.categories!,
      };
    case "anchor":
      return {
        type: "AnchorRecord",
        patient: await store.resolve(o.patient!),
        recordId: o.recordId as Hex,
        ciphertextHash: o.ciphertextHash as Hex,
        locationHash: o.locationHash as Hex,
        category: o.category!,
        version: o.version!,
      };
  }
}

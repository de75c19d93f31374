/**
 * The governance layer as the pages read it (docs/protocol.md section 13): registered issuers, the
 * credentials an account holds, a patient's policies, and break-glass openings. Which keys to read is
 * learnt from the sequencer's histories (an issuer's registrations are in the registrar's history, its
 * credentials in the issuer's, a patient's policies and break-glass openings in the patient's); every
 * value shown is then proven in this browser against the Rollup's roots on L1 (leafStatus), so a
 * sequencer that lies in a history can hide a key but not invent or alter a value.
 */
import type { HistoryEntry } from "../../sdk/index.js";
import type { IssueCredential, RegisterIssuer, SetPolicy } from "../../sequencer/protocol/types.js";
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { BREAK_GLASS_DURATION, EMERGENCY_ROLE } from "../../sequencer/protocol/constants.js";
import type { PolicyValue } from "../../sequencer/protocol/keys.js";
import { rollupAbi } from "../../sequencer/l1/contracts.generated.js";
import { type LeafStatus, leafStatus, newestBy } from "./consent-status.js";
import type { Ledger } from "./ledger.js";

export { BREAK_GLASS_DURATION, EMERGENCY_ROLE };

/** The devnet's credential issuer, when the deployment offers its (public, development) key. */
export function devIssuer(ledger: Ledger): { address: Address; key: Hex } | null {
  const key = ledger.cfg.devIssuerKey;
  return key ? { address: privateKeyToAccount(key).address, key } : null;
}

export interface IssuerRow {
  issuer: Address;
  status: LeafStatus<{ expiry: number }>;
}

/** The network's registrar, read from the Rollup on L1 (never from the sequencer). */
export const registrarOf = (ledger: Ledger): Promise<Address> =>
  ledger.l1.readContract({ address: ledger.cfg.rollup, abi: rollupAbi, functionName: "registrar" }) as Promise<Address>;

/** Every issuer the registrar ever registered, each registration proven (null value: removed). */
export async function readIssuers(ledger: Ledger): Promise<IssuerRow[]> {
  const registrar = await registrarOf(ledger);
  const history = await ledger.client.historyAll(registrar, { types: ["RegisterIssuer"] });
  const latest = newestBy(history, (e) => (e.tx as RegisterIssuer).issuer.toLowerCase() as Address);
  return Promise.all(
    [...latest.values()].map(async ({ key, entry }) => ({
      issuer: key,
      status: await leafStatus((trust) => ledger.client.getIssuer(key, trust), entry.batch, ledger),
    })),
  );
}

export interface CredentialRow {
  issuer: Address;
  role: number;
  organisation: Hex;
  status: LeafStatus<{ expiry: number }>;
  /** the issuer's registration is live now too (a credential counts only then) */
  issuerLive: boolean;
}

/** The credentials registered issuers attested for `subject`, each proven (null value: revoked). */
export async function readCredentials(ledger: Ledger, subject: Address, issuers?: IssuerRow[]): Promise<CredentialRow[]> {
  const all = issuers ?? (await readIssuers(ledger));
  const now = Math.floor(Date.now() / 1000);
  const me = subject.toLowerCase();
  const rows = await Promise.all(
    all.map(async (i) => {
      const history = await ledger.client.historyAll(i.issuer, { types: ["IssueCredential"] });
      const mine = newestBy(history, (e) => {
        const tx = e.tx as IssueCredential;
        return tx.subject.toLowerCase() === me ? { role: tx.role, organisation: tx.organisation.toLowerCase() as Hex } : null;
      });
      return Promise.all(
        [...mine.values()].map(async ({ key, entry }) => ({
          issuer: i.issuer,
          role: key.role,
          organisation: key.organisation,
          status: await leafStatus((trust) => ledger.client.getCredential(i.issuer, subject, key.role, key.organisation, trust), entry.batch, ledger),
          issuerLive: (i.status.value?.expiry ?? 0) > now,
        })),
      );
    }),
  );
  return rows.flat();
}

/** Whether a credential counts now: its expiry and its issuer's registration both ahead. */
export const credentialLive = (c: CredentialRow, now: number) => c.issuerLive && (c.status.value?.expiry ?? 0) > now;

export interface PolicyRow {
  policyId: number;
  status: LeafStatus<PolicyValue | null>;
}

/** The patient's policies (every id it set, newest transaction each), each proven; removed ones left out. */
export async function readPolicies(ledger: Ledger, patient: Address): Promise<PolicyRow[]> {
  const history = await ledger.client.historyAll(patient, { types: ["SetPolicy", "RemovePolicy"] });
  const latest = newestBy(history, (e) => (e.tx as SetPolicy).policyId);
  const rows = await Promise.all(
    [...latest.values()].map(async ({ key, entry }) => ({
      policyId: key,
      status: await leafStatus((trust) => ledger.client.getPolicy(patient, key, trust), entry.batch, ledger),
    })),
  );
  return rows.filter((r) => r.status.value !== null).sort((a, b) => a.policyId - b.policyId);
}

/** The smallest policy id the patient has not used (ids are the patient's own names for policies). */
export function nextPolicyId(rows: PolicyRow[]): number {
  const used = new Set(rows.map((r) => r.policyId));
  let id = 1;
  while (used.has(id)) id++;
  return id;
}

export interface BreakGlassOpening {
  /** the emergency clinician */
  reader: Address;
  at: number;
  until: number;
  categories: number;
  issuer: Address;
  entry: HistoryEntry;
}

/** Every break-glass opening of the patient's records, newest first (from the patient's history). */
export async function readBreakGlass(ledger: Ledger, patient: Address): Promise<BreakGlassOpening[]> {
  const history = await ledger.client.historyAll(patient, { types: ["BreakGlass"] });
  return history
    .filter((e) => e.status !== "dropped" && e.signer !== null && e.tx.type === "BreakGlass")
    .map((e) => {
      const tx = e.tx as { categories: number; issuer: Address };
      return { reader: e.signer!, at: e.timestamp, until: e.timestamp + BREAK_GLASS_DURATION, categories: tx.categories, issuer: tx.issuer, entry: e };
    })
    .reverse();
}

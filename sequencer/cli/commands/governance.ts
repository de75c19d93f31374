/** Governance reads (docs/protocol.md section 13): issuer status, credential checks, a patient's policies; every value proven. */
import type { Address } from "viem";
import type { TrustLevel } from "../../../sdk/verify.js";
import { organisationHash, roleName } from "../../protocol/roles.js";
import { connect, type NetworkOptions } from "../context.js";

const print = (v: unknown) => console.log(JSON.stringify(v, null, 2));
const now = () => Math.floor(Date.now() / 1000);

export async function issuerStatus(name: string, o: NetworkOptions & { trust?: TrustLevel }): Promise<void> {
  const { client, store, l1 } = await connect(o);
  const issuer = await store.resolve(name);
  const r = await client.getIssuer(issuer, o.trust ?? (l1 ? "posted" : "soft"));
  print({ issuer, registered: (r.value?.expiry ?? 0) > now(), expiry: r.value?.expiry ?? null, verified: r.trust, committed: r.committed });
}

export async function credentialCheck(o: NetworkOptions & { issuer: string; subject: string; role: number; org: string; trust?: TrustLevel }): Promise<void> {
  const { client, store, l1 } = await connect(o);
  const [issuer, subject] = [await store.resolve(o.issuer), await store.resolve(o.subject)];
  const organisation = organisationHash(o.org);
  const r = await client.holdsRole(issuer, subject, o.role, organisation, now(), o.trust ?? (l1 ? "posted" : "soft"));
  print({
    issuer,
    subject,
    role: roleName(o.role),
    organisation,
    holds: r.live,
    credentialExpiry: r.credential.value?.expiry ?? null,
    issuerExpiry: r.registration.value?.expiry ?? null,
    verified: r.credential.trust,
    committed: r.credential.committed,
  });
}

/**
 * The patient's policies: the ids come from the history (SetPolicy / RemovePolicy transactions, which
 * the sequencer indexes by patient), each value from a proof, so a policy the sequencer leaves out of
 * the history is missed but none can be invented or altered.
 */
export async function policyList(o: NetworkOptions & { patient: string; trust?: TrustLevel }): Promise<void> {
  const { client, store, l1 } = await connect(o);
  const patient = await store.resolve(o.patient);
  const entries = await client.historyAll(patient, { types: ["SetPolicy", "RemovePolicy"] });
  const ids = [...new Set(entries.map((e) => (e.tx as { policyId: number }).policyId))].sort((a, b) => a - b);
  const trust = o.trust ?? (l1 ? "posted" : "soft");
  const out = [];
  for (const id of ids) {
    const r = await client.getPolicy(patient as Address, id, trust);
    if (r.value === null) continue;
    out.push({ id, ...r.value, role: roleName(r.value.role), durationDays: r.value.duration / 86_400, verified: r.trust });
  }
  print({ patient, policies: out });
}

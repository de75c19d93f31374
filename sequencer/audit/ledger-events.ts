/**
 * From what the auditor reads to its events, pure: ledger entries (ephr_getLedger, the history entry
 * form) and the vault's "read denied" log lines. Addresses are lower-cased, so the ledger's checksummed
 * and the vault's spellings meet. Anchors are remembered (patient and record id to category) to give
 * each LogAccess its record's category. The governance transactions (docs/protocol.md section 13) feed it
 * too: a credential gives its subject a role (the peer group its reading is compared with), a BreakGlass
 * is an emergency opening, and a RequestAccess granted by a patient's policy is a grant of what that
 * policy gives (remembered from the patient's SetPolicy; one whose policy was set before the auditor's
 * first entry is taken as a care relationship with no category open).
 */
import { roleName } from "../protocol/roles.js";
import type { AuditEvent, DenialEvent, RoleEvent } from "./events.js";

export interface LedgerEntry {
  seq: number;
  hash: string;
  status: string;
  signer: string | null;
  timestamp: number;
  tx: { type: string } & Record<string, unknown>;
}

const READ = 1;

export class LedgerMapper {
  /** `${patient}:${recordId}` -> category */
  private readonly categories = new Map<string, number>();
  /** `${patient}:${policyId}` -> what the policy grants */
  private readonly policies = new Map<string, { access: number; categories: number; duration: number }>();

  /**
   * The events of one entry (none for most types). A dropped entry's grant or revocation took no effect
   * and is skipped; a dropped LogAccess is kept: the vault served the read once it was acknowledged.
   */
  eventsOf(e: LedgerEntry): AuditEvent[] {
    const tx = e.tx;
    const ref = { seq: e.seq, hash: e.hash };
    const low = (x: unknown) => String(x).toLowerCase();
    const signer = e.signer === null ? null : e.signer.toLowerCase();
    if (e.status === "dropped" && tx.type !== "LogAccess") return [];
    switch (tx.type) {
      case "GrantConsent":
      case "DelegatedGrantConsent": {
        const patient = tx.type === "GrantConsent" ? signer : low(tx.patient);
        if (patient === null) return [];
        // a WRITE-only grant makes a care relationship too (the provider writes the patient's records),
        // but opens no category to reading
        const categories = Number(tx.access) & READ ? Number(tx.categories) >>> 0 : 0;
        return [{ kind: "grant", t: e.timestamp, patient, grantee: low(tx.grantee), categories, expiry: Number(tx.expiry), ref }];
      }
      case "RevokeConsent":
      case "DelegatedRevokeConsent": {
        const patient = tx.type === "RevokeConsent" ? signer : low(tx.patient);
        if (patient === null) return [];
        return [{ kind: "revoke", t: e.timestamp, patient, grantee: low(tx.grantee), ref }];
      }
      case "AnchorRecord":
        this.categories.set(`${low(tx.patient)}:${low(tx.recordId)}`, Number(tx.category));
        return [];
      case "LogAccess":
        return [
          {
            kind: "access",
            t: e.timestamp,
            reader: low(tx.reader),
            patient: low(tx.patient),
            category: this.categories.get(`${low(tx.patient)}:${low(tx.recordId)}`) ?? -1,
            ref,
          },
        ];
      case "IssueCredential":
        // expiry 0 revokes: the account keeps the peer group it had (its past reading stays comparable)
        if (Number(tx.expiry) === 0) return [];
        return [{ kind: "role", t: e.timestamp, reader: low(tx.subject), role: roleName(Number(tx.role)), ref }];
      case "SetPolicy":
        this.policies.set(`${low(tx.patient)}:${Number(tx.policyId)}`, {
          access: Number(tx.access),
          categories: Number(tx.categories) >>> 0,
          duration: Number(tx.duration),
        });
        return [];
      case "RemovePolicy":
        this.policies.delete(`${low(tx.patient)}:${Number(tx.policyId)}`);
        return [];
      case "RequestAccess": {
        if (signer === null) return [];
        const policy = this.policies.get(`${low(tx.patient)}:${Number(tx.policyId)}`);
        const categories = policy && policy.access & READ ? policy.categories : 0;
        const expiry = e.timestamp + (policy?.duration ?? 0);
        return [{ kind: "grant", t: e.timestamp, patient: low(tx.patient), grantee: signer, categories, expiry, ref }];
      }
      case "BreakGlass":
        if (signer === null) return [];
        return [{ kind: "breakglass", t: e.timestamp, reader: signer, patient: low(tx.patient), categories: Number(tx.categories) >>> 0, ref }];
      default:
        return [];
    }
  }
}

/** A vault log line (pino JSON) that records a refused read, as a denial; null for any other line. */
export function denialOfLogLine(line: string): DenialEvent | null {
  if (!line.includes('"read denied"')) return null;
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line);
  } catch {
    return null;
  }
  if (o.msg !== "read denied" || typeof o.reader !== "string" || typeof o.patient !== "string") return null;
  const t = typeof o.time === "string" ? Date.parse(o.time) : typeof o.time === "number" ? o.time : Number.NaN;
  if (!Number.isFinite(t)) return null;
  return {
    kind: "denial",
    t: Math.floor(t / 1000),
    reader: o.reader.toLowerCase(),
    patient: o.patient.toLowerCase(),
    code: typeof o.code === "string" ? o.code : "unknown",
    ref: { seq: null, hash: typeof o.requestHash === "string" ? o.requestHash : `vault-log:${t}` },
  };
}

/** The operator's roles file ({ "0xaddress": "role" }) as role events. */
export function rolesOf(json: unknown): RoleEvent[] {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new Error("the roles file must be a JSON object of address to role");
  return Object.entries(json as Record<string, unknown>).map(([reader, role]) => {
    if (!/^0x[0-9a-fA-F]{40}$/.test(reader) || typeof role !== "string" || role === "" || role.length > 64)
      throw new Error(`the roles file's entry ${reader} must map an address to a role name (1..64 characters)`);
    return { kind: "role", t: 0, reader: reader.toLowerCase(), role, ref: null };
  });
}

/** What the ledger's numbers and codes mean, in words a patient or a clinician reads. */
import { ACCESS_READ, ACCESS_WRITE, CATEGORY_NAMES, isEphrError, VaultRequestError } from "../../sdk/index.js";
import { ROLE_CODES, type RoleName } from "../../sequencer/protocol/roles.js";
import { AuditRelayError } from "./audit.js";
import { nameOf } from "./identities.js";
import { ForceError } from "./l1-payer.js";

/** The categories a grant can name, in the order a form lists them. */
const LABELS: Record<string, string> = { "hiv-sti": "HIV and STIs", "sexual-reproductive-health": "Sexual and reproductive health" };
export const CATEGORIES: { bit: number; label: string }[] = Object.entries(CATEGORY_NAMES).map(([bit, name]) => ({
  bit: Number(bit),
  label: LABELS[name] ?? name.replace(/-/g, " ").replace(/^./, (c) => c.toUpperCase()),
}));

export const categoryLabel = (bit: number) => CATEGORIES.find((c) => c.bit === bit)?.label ?? `category ${bit}`;

export function categoriesOf(mask: number): string[] {
  const out: string[] = [];
  for (let b = 0; b < 32; b++) if (((mask >>> b) & 1) === 1) out.push(categoryLabel(b));
  return out;
}

export function accessWords(access: number): string {
  const parts = [access & ACCESS_READ ? "read" : null, access & ACCESS_WRITE ? "write" : null].filter(Boolean);
  return parts.length === 0 ? "no access" : parts.join(" and ");
}

export const short = (hex: string, n = 6) => (hex.length > 2 + 2 * n ? `${hex.slice(0, 2 + n)}…${hex.slice(-4)}` : hex);

/** "Dr Bob (0x1234…abcd)" or the short address alone. */
export function who(address: string | null | undefined): string {
  if (!address) return "someone unknown";
  const n = nameOf(address);
  return n ? `${n} (${short(address)})` : short(address);
}

export const dateTime = (seconds: number) =>
  `${new Date(seconds * 1000).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" })} UTC`;

/** "4 min 05 s" from seconds (0 or less: "now"). */
export function countdown(seconds: number): string {
  if (seconds <= 0) return "now";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  if (h > 0) return `${h} h ${String(m).padStart(2, "0")} min`;
  return m > 0 ? `${m} min ${String(s).padStart(2, "0")} s` : `${s} s`;
}

/** Why a vault refused a read, explained to the reader (the vault's own message follows). */
const DENIALS: Record<string, string> = {
  VAULT_NO_CONSENT:
    "The patient has not given you read access to this category of record, or your access expired. The vault checked the consent state posted on L1.",
  VAULT_REVOKED:
    "The patient revoked (or narrowed) your access. The sequencer has executed the revocation; the vault honours it at once, even before it reaches L1.",
  VAULT_NOT_ANCHORED: "No such record is anchored for this patient in a batch posted on L1 (yet): wait for the upload's batch to reach L1.",
  VAULT_NOT_FOUND:
    "The vault holds no such record, or no key of it for you: ask the patient or the record's provider to share it with you (under a break-glass grant, the network's key custodian can).",
  VAULT_NOT_AUTHORIZED: "Only the patient, the provider who stored the record, or the network's key custodian may do this.",
  VAULT_NOT_EMERGENCY: "The key custodian delivers keys only under a break-glass grant: ask the patient or the record's provider to share the record with you.",
  VAULT_NOT_ENTRUSTED: "The patient has not entrusted this record (or its category) to the network's key custodian, so it cannot give you the key.",
  VAULT_NO_ENCRYPTION_KEY: "You have no encryption key on the ledger yet (or it is not on L1 yet), so no key can be wrapped for you.",
  VAULT_NOT_REGISTERED: "This vault is not registered on the ledger, so it cannot log reads and serves none.",
  VAULT_LEDGER_UNAVAILABLE: "The vault could not read and verify the ledger just now; nothing was served. Try again shortly.",
  VAULT_EXPIRED: "The signed request expired before the vault saw it (is this computer's clock right?).",
};

/** The explanation of a vault's refusal code (null for a code without one). */
export const denialText = (code: string): string | null => DENIALS[code] ?? null;

export interface Explained {
  title: string;
  detail: string;
  code: string | null;
}

/** Any failure as a title, an explanation and its stable code. */
export function explain(e: unknown): Explained {
  if (e instanceof VaultRequestError) return { title: DENIALS[e.vaultCode] ?? `The vault refused: ${e.message}`, detail: e.message, code: e.vaultCode };
  if (e instanceof ForceError) return { title: e.message, detail: "", code: e.code };
  if (e instanceof AuditRelayError) return { title: `The auditor's alerts cannot be shown: ${e.message}`, detail: "", code: e.code };
  if (isEphrError(e)) return { title: `${e.name}: ${e.message}`, detail: e.data === undefined ? "" : JSON.stringify(e.data), code: String(e.code) };
  const err = e as Error;
  return { title: err?.message ?? String(e), detail: "", code: null };
}

/** The role codes of credentials (sequencer/protocol/roles.ts, docs/protocol.md section 13.6) in words. */
const ROLE_LABELS: Record<RoleName, string> = {
  emergency: "emergency clinician",
  physician: "licensed physician",
  specialist: "specialist",
  laboratory: "laboratory",
  researcher: "researcher",
  nurse: "nurse",
  pharmacist: "pharmacist",
};
export const ROLES: { code: number; label: string }[] = (Object.keys(ROLE_CODES) as RoleName[]).map((n) => ({ code: ROLE_CODES[n], label: ROLE_LABELS[n] }));
export const roleLabel = (code: number) => ROLES.find((r) => r.code === code)?.label ?? `role ${code}`;

/** "14 days", "4 hours", "90 minutes", "45 s" from seconds. */
export function durationWords(seconds: number): string {
  const unit = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;
  if (seconds % 86_400 === 0) return unit(seconds / 86_400, "day");
  if (seconds % 3600 === 0) return unit(seconds / 3600, "hour");
  if (seconds % 60 === 0) return unit(seconds / 60, "minute");
  return `${seconds} s`;
}

/**
 * The auditor's settings (docs/operations.md, "The auditor"), validated once at the edge.
 */
import { z } from "zod";

export const auditSchema = z.object({
  /** the sequencer's JSON-RPC API, whose ephr_getLedger the auditor follows */
  EPHR_API_URL: z.url().default("http://127.0.0.1:8645/"),
  EPHR_AUDIT_HOST: z.string().min(1).default("127.0.0.1"),
  EPHR_AUDIT_PORT: z.coerce.number().int().min(0).max(65535).default(8670),
  /** alerts are POSTed here as JSON, one per request */
  EPHR_AUDIT_WEBHOOK: z.url().optional(),
  EPHR_AUDIT_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  /** further attempts after a failed POST (1 s, 4 s, 15 s, … apart) */
  EPHR_AUDIT_WEBHOOK_RETRIES: z.coerce.number().int().min(0).max(6).default(3),
  /** the vault's log (pino JSON lines), whose "read denied" lines are the denials */
  EPHR_AUDIT_VAULT_LOG: z.string().min(1).optional(),
  /** a JSON object of reader address to role name */
  EPHR_AUDIT_ROLES: z.string().min(1).optional(),
  EPHR_AUDIT_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  /** alerts kept (and served) at most; the oldest go first */
  EPHR_AUDIT_MAX_ALERTS: z.coerce.number().int().min(10).max(1_000_000).default(10_000),
  EPHR_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type AuditEnv = z.infer<typeof auditSchema>;

/** The auditor's setting names, and the CLI's address of a running auditor. */
export const AUDIT_SETTINGS: readonly string[] = [...Object.keys(auditSchema.shape), "EPHR_AUDIT_URL"];

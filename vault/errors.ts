/** Vault errors: a stable code, an HTTP status and a clear message (docs/vault.md lists them). */
import { EphrError } from "../sequencer/errors/base.js";

export const VAULT_ERRORS = {
  VAULT_BAD_REQUEST: 400,
  VAULT_BAD_SIGNATURE: 401,
  VAULT_EXPIRED: 401,
  VAULT_WRONG_VAULT: 400,
  VAULT_REPLAY: 409,
  VAULT_HASH_MISMATCH: 400,
  VAULT_NOT_AUTHORIZED: 403,
  VAULT_NO_CONSENT: 403,
  VAULT_REVOKED: 403,
  VAULT_NOT_ANCHORED: 404,
  VAULT_NOT_FOUND: 404,
  VAULT_NOT_CURRENT: 409,
  VAULT_VERSION_EXISTS: 409,
  VAULT_TOO_LARGE: 413,
  VAULT_UNSUPPORTED_MEDIA_TYPE: 415,
  VAULT_BUSY: 503,
  VAULT_LEDGER_UNAVAILABLE: 503,
  VAULT_NOT_REGISTERED: 503,
  VAULT_STORAGE_UNAVAILABLE: 503,
  VAULT_NOT_EMERGENCY: 403,
  VAULT_NOT_ENTRUSTED: 409,
  VAULT_NO_ENCRYPTION_KEY: 409,
  VAULT_UPSTREAM: 502,
  VAULT_INTERNAL: 500,
} as const;
export type VaultErrorCode = keyof typeof VAULT_ERRORS;

/** An error the vault answers with: its code (VAULT_ERRORS) and the HTTP status that goes with it. */
export class VaultError extends EphrError<VaultErrorCode> {
  readonly status: number;
  constructor(code: VaultErrorCode, message: string, data?: unknown) {
    super(message, code, data);
    this.status = VAULT_ERRORS[code];
  }
  toJSON() {
    return { error: { code: this.code, message: this.message, ...(this.data === undefined ? {} : { data: this.data }) } };
  }
}

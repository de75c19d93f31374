/**
 * Talking to a network's key custodian (docs/vault.md, "Key custodian"): a reader whose grant the
 * ledger admits (by default, one a BreakGlass opened) asks it for the key of a record it was never
 * given a wrap of; the custodian checks the ledger, puts the wrap in the vault and answers, and the
 * reader then reads the record from the vault as usual (readRecord, readFhirResource).
 */
import type { Address, Hex } from "viem";
import type { TypedDataSigner } from "./client.js";
import { SignedRequestClient } from "./vault.js";

export interface CustodianInfo {
  custodian: Address;
  chainId: number;
  rollup: Address;
  /** break-glass: keys for break-glass grants only; any-grant: for any live READ grant */
  scope: "break-glass" | "any-grant";
  vault: string;
}

export interface DeliveredKey {
  version: number;
  /** false when the reader already held a wrap of the version (the vault never replaces it) */
  added: boolean;
  breakGlass: Hex | null;
  /** the LogAccess of the custodian's own read of the version */
  custodianRead: Hex;
  requestHash: Hex;
}

export class CustodianClient extends SignedRequestClient<CustodianInfo> {
  protected readonly kind = "custodian";

  /** The custodian's address, deployment and scope; refused when it serves another chain or Rollup. */
  custodianInfo(): Promise<CustodianInfo> {
    return this.serviceInfo();
  }

  /**
   * Ask for a key wrap of the current version of `patient`'s record `recordId` for `reader` (who signs):
   * refused with VAULT_NOT_EMERGENCY (the grant is not break-glass, in that scope), VAULT_NOT_ENTRUSTED
   * (the patient has not entrusted the category, or that record, to the custodian), VAULT_NO_CONSENT,
   * VAULT_NO_ENCRYPTION_KEY, and the other vault codes.
   */
  async requestKeyWrap(reader: TypedDataSigner, patient: Address, recordId: Hex): Promise<DeliveredKey> {
    const body = await this.signed(reader, "RequestKeyWrap", { reader: reader.address.toLowerCase(), patient: patient.toLowerCase(), recordId });
    return this.post<DeliveredKey>("/v1/wraps", body);
  }
}

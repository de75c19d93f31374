/**
 * Alerts for the patient (break-glass reads, auditor flags): the extension point for the governance
 * issue. A source reads the alerts concerning a patient; the patient page lists what every registered
 * source returns, newest first. None is registered yet: governance transactions do not exist on the
 * ledger so far. A source added with them should read them verified (through the SDK's light client),
 * as the access trail does.
 */
import type { Address } from "viem";
import type { Ledger } from "./ledger.js";

export interface PatientAlert {
  /** L1 / batch time of the event, in seconds */
  at: number;
  kind: "break-glass" | "auditor-flag" | string;
  /** one sentence for the patient */
  text: string;
  /** how it was verified ("posted on L1, batch 12"), shown beside it */
  verified: string;
}

export interface AlertSource {
  name: string;
  read: (ledger: Ledger, patient: Address) => Promise<PatientAlert[]>;
}

export const ALERT_SOURCES: AlertSource[] = [];

export async function readAlerts(ledger: Ledger, patient: Address): Promise<PatientAlert[]> {
  const all = await Promise.all(ALERT_SOURCES.map((s) => s.read(ledger, patient)));
  return all.flat().sort((a, b) => b.at - a.at);
}

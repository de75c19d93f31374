/**
 * JSON-RPC errors of the API: stable numeric codes (docs/api.md lists them). Protocol rejections map
 * to 1000 + the protocol's rejection code.
 */
import { REJECT, type RejectReason } from "../protocol/constants.js";
import { EphrError } from "./base.js";

export const RPC_ERROR = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  Internal: -32603,
  SequencerUnavailable: -32001,
  ReplicaUnavailable: -32002,
  BadSignature: 1000 + REJECT.BadSignature,
  Unauthorized: 1000 + REJECT.Unauthorized,
  BadNonce: 1000 + REJECT.BadNonce,
  Expired: 1000 + REJECT.Expired,
  NoConsent: 1000 + REJECT.NoConsent,
  BadVersion: 1000 + REJECT.BadVersion,
  InvalidField: 1000 + REJECT.InvalidField,
  CategoryMismatch: 1000 + REJECT.CategoryMismatch,
  NoPolicy: 1000 + REJECT.NoPolicy,
  NoCredential: 1000 + REJECT.NoCredential,
  Duplicate: 1101,
  WrongDomain: 1102,
  UnknownTxType: 1103,
  BodyTooLarge: 1104,
  TooManyTransactions: 1105,
  UnsupportedMediaType: 1106,
  TooManyConnections: 1107,
  ReadBudgetExceeded: 1108,
  NotFound: 1201,
  RootUnavailable: 1202,
  HistoryScanLimit: 1203,
} as const;
export type RpcErrorName = keyof typeof RPC_ERROR;

/** An error the API answers with: `kind` names its code in RPC_ERROR. */
export class RpcError extends EphrError<number> {
  constructor(
    readonly kind: RpcErrorName,
    message: string,
    data?: unknown,
  ) {
    super(message, RPC_ERROR[kind], data);
  }
  toJSON() {
    return { code: this.code, message: this.message, ...(this.data === undefined ? {} : { data: this.data }) };
  }
}

export function rejectionError(reason: RejectReason | "Duplicate", message: string, data?: unknown): RpcError {
  return new RpcError(reason, message, data);
}

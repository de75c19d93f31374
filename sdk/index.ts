/** The ephr-rollup client SDK: see sdk/client.ts and docs/api.md. */
export {
  EphrClient,
  forcedBody,
  HISTORY_PAGE_MAX,
  signerOf,
  type ChainInfo,
  type ClientOptions,
  type HistoryEntry,
  type LeafDecoder,
  type Level,
  type Receipt,
  type ReceiptStatus,
  type TypedDataSigner,
  type UnsignedTx,
  type Verified,
} from "./client.js";
export {
  ApiError,
  ApiErrors,
  apiError,
  CannotSignError,
  DroppedError,
  EphrError,
  isEphrError,
  SDK_ERROR,
  StaleRootError,
  TimeoutError,
  TransportError,
  VerificationError,
} from "./errors.js";
export { checkProof, checkRootOnL1, type ProvenLeaf, provenLeaf, type ProvenValue, type TrustLevel } from "./verify.js";
export type { SignedTx, Tx, TxType } from "../sequencer/protocol/types.js";
export { typedDataOf, EIP712_TYPES } from "../sequencer/protocol/eip712.js";
export { ACCESS_READ, ACCESS_WRITE, ACCESS_ALL } from "../sequencer/protocol/constants.js";
export { VaultClient, VaultRequestError, type ServedRecord } from "./vault.js";
export { CustodianClient, type CustodianInfo, type DeliveredKey } from "./custodian.js";
export {
  AnchorMismatchError,
  encryptionKeyOf,
  NoEncryptionKeyError,
  readFhirResource,
  readRecord,
  type ReadRecordOptions,
  shareRecord,
  storeFhirResource,
  storeRecord,
  type StoredRecord,
} from "./records.js";
export {
  type CredentialVerification,
  exportCredential,
  type ExportOptions,
  importCredential,
  verifyCredentialOnLedger,
} from "./credentials.js";
export {
  CREDENTIAL_ERROR_CODES,
  CredentialError,
  type CredentialErrorCode,
} from "../sequencer/credentials/errors.js";
export { didPkh, parseDidPkh } from "../sequencer/credentials/did.js";
export { type RoleCredential, verifyCredential as verifyCredentialOffline } from "../sequencer/credentials/vc.js";
export {
  consentFromGrant,
  consentFromPolicy,
  consentFromPolicyRemoval,
  translateAnyConsent,
  translatePolicyConsent,
  consentFromRevoke,
  prepareBundle,
  prepareResource,
  translateConsent,
  FhirError,
  categoryOf,
  CATEGORY_NAMES,
} from "../sequencer/fhir/index.js";
export { generateEncryptionKeyPair, encryptionKeyToHex } from "../sequencer/crypto/index.js";

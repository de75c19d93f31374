/**
 * FHIR R4 import and Consent translation: the public surface (docs/fhir.md). Pure: no I/O, no clock
 * unless a caller leaves `now` out.
 */
export { ETH_ADDRESS_SYSTEM } from "./address.js";
export {
  CATEGORY,
  CATEGORY_NAMES,
  categoriesIn,
  categoryOf,
  maskOf,
  NON_SENSITIVE_MASK,
  resourceTypesOf,
  SENSITIVE_CATEGORIES,
  SENSITIVE_MASK,
  typeCategories,
} from "./categories.js";
export { SYSTEM } from "./category-table.js";
export {
  consentFromGrant,
  consentFromRevoke,
  translateConsent,
  type ConsentOptions,
  type ConsentTranslation,
  type ConsentTx,
  type GrantTerms,
  type RevokeTerms,
  type TranslateOptions,
} from "./consent.js";
export { FHIR_ERROR_CODES, FhirError, type FhirErrorCode } from "./errors.js";
export { prepareBundle, prepareResource, SPLIT_BUNDLE_TYPES, type PreparedResource } from "./import.js";
export { MAX_JSON_BYTES, MAX_JSON_DEPTH } from "./json.js";
export {
  AT_OF_TRUST,
  CLIENT_MUST_CHECK,
  consentId,
  consentParties,
  GRANT_BASIS_EXTENSION,
  type GrantBasis,
  GRANTING_TX_TYPES,
  grantBasisExtension,
  ledgerConsent,
  partiesOfId,
  provenConsent,
  TRUST_LEVELS,
  TRUST_SYSTEM,
  UnverifiedAnswerError,
  VERIFICATION_EXTENSION,
  type FacadeTrust,
  type ProvenConsentRead,
} from "./ledger-consent.js";
export {
  CLIENT_MUST_CHECK_POLICY,
  ledgerPolicyConsent,
  POLICY_TX_TYPES,
  policyConsentId,
  policyOfId,
  policyParties,
  type PolicyParty,
} from "./ledger-policy.js";
export {
  consentFromPolicy,
  consentFromPolicyRemoval,
  GRANT_DURATION_EXTENSION,
  isPolicyConsent,
  POLICY_ID_SYSTEM,
  translateAnyConsent,
  translatePolicyConsent,
  type PolicyRemovalTerms,
  type PolicyTerms,
  type PolicyTranslation,
  type PolicyTx,
} from "./policy-consent.js";
export { grantOfScopes, smartScopesToAccess, type ScopeGrant, type ScopeMapping } from "./smart-scopes.js";
export {
  parseBundle,
  parseConsent,
  parseResource,
  validateBundle,
  validateConsent,
  validateResource,
  type FhirBundle,
  type FhirConsent,
  type FhirResource,
} from "./validate.js";

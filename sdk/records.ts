/**
 * Records end to end, for apps: encrypt a record for its patient and readers, store it in a vault,
 * anchor its hash on the ledger; read it back, check it against the ledger's anchor, and decrypt it.
 * FHIR R4 resources are canonicalised (RFC 8785) and filed under the category their type maps to
 * (docs/fhir.md).
 */
import type { Address, Hex } from "viem";
import { randomBytes } from "@noble/hashes/utils.js";
import { encryptRecord, matchesAnchor, openRecord, unwrapDataKey, wrapDataKey } from "../sequencer/crypto/index.js";
import { fromHex, toHex } from "../sequencer/protocol/bytes.js";
import { prepareResource } from "../sequencer/fhir/index.js";
import type { EphrClient, TypedDataSigner } from "./client.js";
import { RPC_ERROR } from "../sequencer/errors/rpc.js";
import { EphrError, SDK_ERROR, TimeoutError } from "./errors.js";
import type { TrustLevel } from "./verify.js";
import { type ServedRecord, type VaultClient, VaultRequestError } from "./vault.js";

/** An account without a published encryption key cannot be given a key wrap. */
export class NoEncryptionKeyError extends EphrError {
  constructor(readonly account: Address) {
    super(`${account} has not registered an encryption key (RegisterEncryptionKey)`, SDK_ERROR.NoEncryptionKey, { account });
  }
}

/**
 * A vault served bytes that are not the record version the ledger anchors (another hash, record id or
 * version, or a record the ledger does not hold): nothing is decrypted. `data` names what disagrees.
 */
export class AnchorMismatchError extends EphrError {
  constructor(
    message: string,
    data: { patient: Address; recordId: Hex; servedVersion: number | null; anchoredVersion: number | null; anchoredCiphertextHash: Hex | null },
  ) {
    super(message, SDK_ERROR.AnchorMismatch, data);
  }
}

export interface StoredRecord {
  recordId: Hex;
  version: number;
  category: number;
  ciphertextHash: Hex;
  location: string;
  anchor: Hex;
}

/**
 * The published encryption key of `account`, proven against a root the Rollup holds (at `trust`,
 * default "posted": with an L1-configured client the sequencer cannot substitute a key of its own,
 * so it cannot make a writer wrap a data key to it). A key the sequencer has executed but not yet
 * posted (a registration or rotation made just before) is waited for, up to `waitMs`, so that the
 * key used is always the newest one the account registered and a proven one.
 */
export async function encryptionKeyOf(
  ephr: EphrClient,
  account: Address,
  opts: { trust?: Exclude<TrustLevel, "soft">; waitMs?: number; pollMs?: number } = {},
): Promise<Uint8Array> {
  const trust = opts.trust ?? "posted";
  const until = Date.now() + (opts.waitMs ?? 60_000);
  const newest = (await ephr.getEncryptionKey(account, "soft")).value;
  for (;;) {
    let proven: Hex | null;
    try {
      proven = (await ephr.getEncryptionKey(account, trust)).value;
    } catch (e) {
      if (!(e instanceof EphrError && e.code === RPC_ERROR.RootUnavailable)) throw e;
      proven = null; // nothing posted / final yet
    }
    if (proven !== null && (newest === null || proven === newest)) return fromHex(proven, 32);
    if (newest === null) throw new NoEncryptionKeyError(account);
    if (Date.now() >= until) {
      throw new TimeoutError(
        `the encryption key ${account} registered last is not ${trust} on L1 yet (it has ${proven ?? "none"}); try again once its batch is ${trust}`,
        { account, trust, proven, newest },
      );
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
  }
}

/** How many stored-but-unanchored versions storeRecord steps over before it gives up. */
const MAX_VERSION_STEPS = 8;

/**
 * Encrypt `plaintext` under a fresh data key wrapped for the patient and `readers`, upload it, and
 * anchor it (the provider signs the AnchorRecord). A new version of an existing record gets a new key.
 *
 * The version is the next after the one the ledger anchors. A vault never replaces a stored version,
 * so when an earlier attempt uploaded that version and its anchor failed (or is still on its way), the
 * upload is refused with VAULT_VERSION_EXISTS: the record is then encrypted again under the next
 * version (versions need only increase), so retrying storeRecord after a failed anchor works, and
 * whichever of the two anchors lands, the ledger's newest version is one the vault holds.
 */
export async function storeRecord(
  ephr: EphrClient,
  vault: VaultClient,
  provider: TypedDataSigner,
  a: { patient: Address; plaintext: Uint8Array; category: number; readers?: Address[]; recordId?: Hex },
): Promise<StoredRecord> {
  const recordId = a.recordId ?? toHex(randomBytes(32));
  const current = await ephr.getRecord(a.patient, recordId, "soft");
  const first = (current.value?.version ?? 0) + 1;
  const recipients = await Promise.all(
    [a.patient, ...(a.readers ?? [])].map(async (address) => ({ address, publicKey: await encryptionKeyOf(ephr, address) })),
  );
  for (let version = first; ; version++) {
    const enc = encryptRecord({ plaintext: a.plaintext, recordId, recordVersion: version, recipients });
    let stored;
    try {
      stored = await vault.upload(provider, {
        patient: a.patient,
        recordId,
        version,
        category: a.category,
        recordBytes: enc.recordBytes,
        ciphertextHash: enc.ciphertextHash,
        wraps: enc.wraps,
      });
    } catch (e) {
      const taken = e instanceof VaultRequestError && e.vaultCode === "VAULT_VERSION_EXISTS";
      if (!taken || version - first + 1 >= MAX_VERSION_STEPS) throw e;
      continue;
    } finally {
      enc.dataKey.fill(0);
    }
    const anchor = await ephr.send(provider, {
      type: "AnchorRecord",
      patient: a.patient,
      recordId,
      ciphertextHash: enc.ciphertextHash,
      locationHash: stored.locationHash,
      category: a.category,
      version,
    });
    return { recordId, version, category: a.category, ciphertextHash: enc.ciphertextHash, location: stored.location, anchor };
  }
}

/**
 * Read and decrypt the current version of a record; `encryptionPrivateKey` is the reader's X25519 key.
 * The vault is not trusted for the bytes: the record's anchor is read from the ledger through the
 * vault's EphrClient (proof verified, at `opts.trust`, default "posted": against the Rollup's newest
 * batch when the client has L1), and the served ciphertext must be exactly the anchored version
 * (matchesAnchor: hash, record id and version) before it is decrypted; else an AnchorMismatchError.
 * A ledger answer from an older batch than the one the vault proved its anchor at (a read replica a
 * moment behind the one the vault asked) is asked again, every 250 ms for `anchorWaitMs` (default
 * 5000) at most, before a mismatch is concluded.
 */
export async function readRecord(
  vault: VaultClient,
  reader: TypedDataSigner,
  encryptionPrivateKey: Uint8Array,
  patient: Address,
  recordId: Hex,
  opts: ReadRecordOptions = {},
) {
  const served = await vault.read(reader, patient, recordId);
  const anchor = await checkAgainstAnchor(vault.ephr, served, patient, recordId, opts);
  const plaintext = openRecord(served.ciphertext, served.wrap, encryptionPrivateKey, reader.address);
  return { plaintext, served, anchor };
}

export interface ReadRecordOptions {
  /** the level the anchor is read at: "posted" by default */
  trust?: TrustLevel;
  /** how long an anchor read older than the vault's is asked again (ms; default 5000) */
  anchorWaitMs?: number;
}

/** The ledger's anchor of the record, once the served version is shown to be it. */
async function checkAgainstAnchor(ephr: EphrClient, served: ServedRecord, patient: Address, recordId: Hex, opts: ReadRecordOptions) {
  const trust = opts.trust ?? "posted";
  // the vault's batch is its word, not proven: it only decides how long to wait, never what is accepted
  const vaultBatch = served.record?.batch ?? null;
  const behind = (p: { committed: { batch: number } | null }) => vaultBatch !== null && p.committed !== null && p.committed.batch < vaultBatch;
  const until = Date.now() + (opts.anchorWaitMs ?? 5_000);
  let proven = await ephr.getRecord(patient, recordId, trust);
  while (behind(proven) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 250));
    proven = await ephr.getRecord(patient, recordId, trust);
  }
  const anchored = proven.value;
  const servedVersion = served.record?.version ?? null;
  const mismatch = (why: string) =>
    new AnchorMismatchError(`the vault served record ${recordId} of ${patient} version ${servedVersion}, ${why}; it was not decrypted`, {
      patient,
      recordId,
      servedVersion,
      anchoredVersion: anchored?.version ?? null,
      anchoredCiphertextHash: anchored?.ciphertextHash ?? null,
    });
  if (anchored === null) throw mismatch(`but the ledger anchors no such record (trust ${proven.trust})`);
  if (servedVersion !== anchored.version) throw mismatch(`but the ledger anchors version ${anchored.version} (trust ${proven.trust})`);
  if (!matchesAnchor(served.ciphertext, { recordId, version: anchored.version, ciphertextHash: anchored.ciphertextHash })) {
    throw mismatch(`but its bytes are not the ciphertext anchored as ${anchored.ciphertextHash} (trust ${proven.trust})`);
  }
  return { ...anchored, root: proven.root, batch: proven.committed?.batch ?? null, trust: proven.trust };
}

/**
 * Give more accounts the key of a record's current version, without re-encrypting it: `holder` (the
 * patient, the record's provider while it holds its WRITE grant, or a key custodian the vault lists)
 * reads the version (checked against its anchor, like readRecord), unwraps its data key with
 * `holderPrivateKey`, wraps it to each recipient's encryption key proven against L1 (encryptionKeyOf)
 * and stores the wraps (AddWraps); the data key is wiped before returning. The vault stores a wrap only
 * for an account holding a live READ grant covering the record's category, and keeps a wrap a recipient
 * already holds unless the patient sends it. Returns the version and the recipients whose wrap was
 * stored. The read is a read like any other: it is on the ledger (LogAccess) under the holder's name.
 * `opts.keyWaitMs` bounds the wait for a recipient's newest encryption key to be posted (encryptionKeyOf).
 */
export async function shareRecord(
  vault: VaultClient,
  holder: TypedDataSigner,
  holderPrivateKey: Uint8Array,
  a: { patient: Address; recordId: Hex; recipients: Address[] },
  opts: ReadRecordOptions & { keyWaitMs?: number } = {},
): Promise<{ version: number; added: Address[]; logAccess: Hex }> {
  if (a.recipients.length === 0) throw new TypeError("shareRecord needs at least one recipient");
  const keys = await Promise.all(
    a.recipients.map(async (address) => ({ address, publicKey: await encryptionKeyOf(vault.ephr, address, { waitMs: opts.keyWaitMs }) })),
  );
  const served = await vault.read(holder, a.patient, a.recordId);
  const anchor = await checkAgainstAnchor(vault.ephr, served, a.patient, a.recordId, opts);
  const dataKey = unwrapDataKey(served.wrap, holderPrivateKey, holder.address, a.recordId, anchor.version);
  let wraps;
  try {
    wraps = keys.map((k) => wrapDataKey(dataKey, k, a.recordId, anchor.version));
  } finally {
    dataKey.fill(0);
  }
  const { added } = await vault.addWraps(holder, a.patient, a.recordId, anchor.version, wraps);
  return { version: anchor.version, added, logAccess: served.logAccess };
}

/** Import a FHIR R4 resource: validate, canonicalise, encrypt, store and anchor under its category. */
export async function storeFhirResource(
  ephr: EphrClient,
  vault: VaultClient,
  provider: TypedDataSigner,
  a: { patient: Address; resource: unknown; readers?: Address[]; recordId?: Hex },
) {
  const prepared = prepareResource(a.resource);
  const stored = await storeRecord(ephr, vault, provider, {
    patient: a.patient,
    plaintext: prepared.canonical,
    category: prepared.category,
    readers: a.readers,
    recordId: a.recordId,
  });
  return { ...stored, resourceType: prepared.resourceType, contentHash: prepared.contentHash };
}

/** Read a FHIR resource stored by storeFhirResource (checked against its anchor like readRecord). */
export async function readFhirResource(
  vault: VaultClient,
  reader: TypedDataSigner,
  encryptionPrivateKey: Uint8Array,
  patient: Address,
  recordId: Hex,
  opts: ReadRecordOptions = {},
) {
  const { plaintext, served, anchor } = await readRecord(vault, reader, encryptionPrivateKey, patient, recordId, opts);
  return { resource: JSON.parse(new TextDecoder().decode(plaintext)) as Record<string, unknown>, served, anchor };
}

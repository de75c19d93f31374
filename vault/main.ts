/**
 * `npm run vault`: the record vault and consent-checking gateway. Configuration from EPHR_* variables
 * (docs/vault.md); exits 2 with a clear message on bad configuration.
 */
import { privateKeyToAccount } from "viem/accounts";
import type { Address, Hex } from "viem";
import { ConfigError } from "../sequencer/platform/config-values.js";
import { describeIssues } from "../sequencer/errors/issues.js";
import { type EphrClient, signerOf } from "../sdk/client.js";
import { UnreachableError } from "../sequencer/platform/retry.js";
import { connectLedger, parseSettings } from "./startup.js";
import { httpLimitsFromEnv } from "../sequencer/http/limits.js";
import { type VaultEnv, type VaultSettings, vaultEnv, vaultSchema } from "./settings.js";

export type { VaultSettings };
import { createLogger } from "../sequencer/platform/log.js";
import { unknownSettingsWarning } from "../sequencer/services/settings-registry.js";
import { AccessControl } from "./access.js";
import { AccessLogger } from "./audit-log.js";
import { startVaultServer } from "./server.js";
import { ObjectStoreError, type S3Config, s3ConfigSchema, S3ObjectStore } from "./objects.js";
import { VaultStorage } from "./storage.js";

/** The S3 settings when EPHR_VAULT_S3_* ask for a bucket (all of endpoint, bucket and keys), else null. */
export function s3ConfigFrom(env: Partial<VaultEnv>): S3Config | null {
  const given = [
    env.EPHR_VAULT_S3_ENDPOINT,
    env.EPHR_VAULT_S3_BUCKET,
    env.EPHR_VAULT_S3_ACCESS_KEY_ID,
    env.EPHR_VAULT_S3_SECRET_ACCESS_KEY,
    env.EPHR_VAULT_S3_REGION,
    env.EPHR_VAULT_S3_PREFIX,
  ];
  if (given.every((v) => v === undefined)) return null;
  const r = s3ConfigSchema.safeParse({
    endpoint: env.EPHR_VAULT_S3_ENDPOINT,
    bucket: env.EPHR_VAULT_S3_BUCKET,
    region: env.EPHR_VAULT_S3_REGION,
    prefix: env.EPHR_VAULT_S3_PREFIX,
    accessKeyId: env.EPHR_VAULT_S3_ACCESS_KEY_ID,
    secretAccessKey: env.EPHR_VAULT_S3_SECRET_ACCESS_KEY,
  });
  if (!r.success) throw new ConfigError(`invalid S3 configuration (EPHR_VAULT_S3_*): ${describeIssues(r.error)}`);
  return r.data;
}

/**
 * Say whether the ledger has this vault registered (soft state, proof checked): an unregistered vault
 * runs, but serves no read (each is refused VAULT_NOT_REGISTERED), so its operator learns it at start.
 */
async function reportRegistration(client: EphrClient, vault: Address, log: ReturnType<typeof createLogger>): Promise<void> {
  try {
    const expiry = (await client.getVault(vault, "soft")).value?.expiry ?? 0;
    const now = Math.floor(Date.now() / 1000);
    if (expiry > now) log.info({ vault, registeredUntil: expiry }, "vault registered on the ledger");
    else
      log.warn(
        { vault, registeredUntil: expiry },
        "this vault is not registered on the ledger: it serves no read until the network's registrar registers it (cli register-vault)",
      );
  } catch (e) {
    log.warn({ err: (e as Error).message }, "cannot read this vault's registration from the ledger");
  }
}

/** Validate the settings (ConfigError naming the bad ones, S3's included), then start the vault. */
export async function startVault(settings: VaultSettings | NodeJS.ProcessEnv, opts: { startupTimeoutMs?: number } = {}) {
  const env = parseSettings(vaultSchema, settings);
  const s3 = s3ConfigFrom(env);
  const log = createLogger("vault", env.EPHR_LOG_LEVEL);
  const ignored = unknownSettingsWarning(process.env);
  if (ignored !== "") log.warn(ignored);
  // the L1 and the API may still be starting: waited for; a wrong address or another chain is refused at once
  const { rollup, client, chainId } = await connectLedger(env, log, opts.startupTimeoutMs);
  const account = privateKeyToAccount(env.EPHR_VAULT_KEY as Hex);
  let objects: S3ObjectStore | undefined;
  if (s3 !== null) {
    objects = new S3ObjectStore(s3);
    await objects.check(); // a missing bucket or refused keys stop the vault now, not at the first upload
  }
  const storage = await VaultStorage.open(env.EPHR_VAULT_DATA_DIR, objects);
  const server = await startVaultServer(
    {
      address: account.address.toLowerCase() as Hex,
      domain: { chainId, verifyingContract: rollup },
      storage,
      access: new AccessControl(client),
      logger: new AccessLogger(client, signerOf(account)),
      log,
      maxBodyBytes: env.EPHR_VAULT_MAX_BYTES,
      limits: httpLimitsFromEnv(env),
      custodians: new Set(env.EPHR_VAULT_CUSTODIANS.map((a) => a.toLowerCase() as Address)),
    },
    env.EPHR_VAULT_HOST,
    env.EPHR_VAULT_PORT,
  );
  log.info(
    { url: server.url, vault: account.address, objects: s3 ? `s3 ${s3.endpoint}/${s3.bucket}/${s3.prefix}` : `${env.EPHR_VAULT_DATA_DIR}/objects` },
    "vault listening",
  );
  await reportRegistration(client, account.address, log);
  return {
    ...server,
    storage,
    stop: async () => {
      await server.close();
      await storage.close();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  Promise.resolve()
    .then(() => startVault(vaultEnv(process.env)))
    .then(
      (v) => {
        const stop = () => void v.stop().then(() => process.exit(0));
        process.once("SIGTERM", stop);
        process.once("SIGINT", stop);
      },
      (e) => {
        if (e instanceof ConfigError) {
          console.error(`vault: ${e.message}`);
          process.exit(2);
        }
        if (e instanceof UnreachableError) console.error(`vault: ${e.message}`);
        else if (e instanceof ObjectStoreError) console.error(`vault: cannot use the object store: ${e.message}`);
        else console.error("vault: fatal:", e);
        process.exit(1);
      },
    );
}

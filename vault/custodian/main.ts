/**
 * `npm run custodian`: the network's key custodian (docs/vault.md, "Key custodian"). Configuration from
 * EPHR_* variables; exits 2 with a clear message on bad configuration. At start it checks its encryption
 * key against the ledger: none registered, it registers the key it holds; another one registered, it
 * refuses to start (the wraps patients gave it would not open with the key it holds).
 */
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type EphrClient, signerOf } from "../../sdk/client.js";
import { VaultClient, VaultRequestError } from "../../sdk/vault.js";
import { encryptionKeyToHex, publicKeyFromPrivate } from "../../sequencer/crypto/index.js";
import { httpLimitsFromEnv } from "../../sequencer/http/limits.js";
import { ConfigError } from "../../sequencer/platform/config-values.js";
import { createLogger } from "../../sequencer/platform/log.js";
import { retryAtStart, UnreachableError } from "../../sequencer/platform/retry.js";
import { connectLedger, parseSettings } from "../startup.js";
import { fromHex } from "../../sequencer/protocol/bytes.js";
import { unknownSettingsWarning } from "../../sequencer/services/settings-registry.js";
import { AccessControl } from "../access.js";
import { KeyCustodian } from "./custodian.js";
import { startCustodianServer } from "./server.js";
import { type CustodianSettings, custodianEnv, custodianSchema } from "./settings.js";

export type { CustodianSettings };

/**
 * The custodian's encryption key on the ledger must be the one it holds: registered now when the
 * account has none (executed; wraps to it wait for it to be posted, as encryptionKeyOf does), refused
 * (ConfigError) when the account has registered another.
 */
async function ensureEncryptionKey(client: EphrClient, signer: ReturnType<typeof signerOf>, publicKey: Hex, log: ReturnType<typeof createLogger>) {
  const registered = (await client.getEncryptionKey(signer.address, "soft")).value;
  if (registered === null) {
    const h = await client.send(signer, { type: "RegisterEncryptionKey", publicKey });
    await client.waitFor(h, "executed", { timeoutMs: 60_000 });
    log.info({ custodian: signer.address, publicKey, tx: h }, "registered the custodian's encryption key on the ledger");
  } else if (registered.toLowerCase() !== publicKey.toLowerCase()) {
    throw new ConfigError(
      `the ledger holds encryption key ${registered} for the custodian ${signer.address}, not the public half of EPHR_CUSTODIAN_ENCRYPTION_KEY (${publicKey}): set the key the custodian registered, or register the new one (RegisterEncryptionKey) after patients' records are shared with it again`,
    );
  }
}

/** Validate the settings (ConfigError naming the bad ones), check the chain and the key, then serve. */
export async function startCustodian(settings: CustodianSettings | NodeJS.ProcessEnv, opts: { startupTimeoutMs?: number } = {}) {
  const env = parseSettings(custodianSchema, settings);
  const log = createLogger("custodian", env.EPHR_LOG_LEVEL);
  const ignored = unknownSettingsWarning(process.env);
  if (ignored !== "") log.warn(ignored);
  const { rollup, client, chainId, waiting } = await connectLedger(env, log, opts.startupTimeoutMs);
  const signer = signerOf(privateKeyToAccount(env.EPHR_CUSTODIAN_KEY as Hex));
  const encryptionKey = fromHex(env.EPHR_CUSTODIAN_ENCRYPTION_KEY, 32);
  await ensureEncryptionKey(client, signer, encryptionKeyToHex(publicKeyFromPrivate(encryptionKey)), log);
  const vault = new VaultClient(env.EPHR_VAULT_URL, client);
  // the vault may still be starting: waited for; one serving another chain or Rollup is refused at once
  const wrongDeployment = (e: unknown) => e instanceof VaultRequestError && e.vaultCode === "VAULT_WRONG_DEPLOYMENT";
  try {
    await retryAtStart(`the vault at EPHR_VAULT_URL=${env.EPHR_VAULT_URL}`, () => vault.vaultInfo(), log, {
      ...waiting,
      retryable: (e) => !wrongDeployment(e),
    });
  } catch (e) {
    if (wrongDeployment(e)) throw new ConfigError(`EPHR_VAULT_URL=${env.EPHR_VAULT_URL}: ${(e as Error).message}`);
    throw e;
  }
  const custodian = new KeyCustodian({ signer, encryptionKey, access: new AccessControl(client), vault, scope: env.EPHR_CUSTODIAN_SCOPE });
  const server = await startCustodianServer(
    {
      custodian,
      scope: env.EPHR_CUSTODIAN_SCOPE,
      vaultUrl: env.EPHR_VAULT_URL,
      domain: { chainId, verifyingContract: rollup },
      log,
      limits: httpLimitsFromEnv(env),
    },
    env.EPHR_CUSTODIAN_HOST,
    env.EPHR_CUSTODIAN_PORT,
  );
  log.info({ url: server.url, custodian: signer.address, scope: env.EPHR_CUSTODIAN_SCOPE, vault: env.EPHR_VAULT_URL }, "key custodian listening");
  return { ...server, address: custodian.address, stop: () => server.close() };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  Promise.resolve()
    .then(() => startCustodian(custodianEnv(process.env)))
    .then(
      (c) => {
        const stop = () => void c.stop().then(() => process.exit(0));
        process.once("SIGTERM", stop);
        process.once("SIGINT", stop);
      },
      (e) => {
        if (e instanceof ConfigError) {
          console.error(`custodian: ${e.message}`);
          process.exit(2);
        }
        if (e instanceof UnreachableError) console.error(`custodian: ${e.message}`);
        else console.error("custodian: fatal:", e);
        process.exit(1);
      },
    );
}

/**
 * `npm run cli -- <command>`: create keys, grant and revoke consent, appoint guardians, anchor records,
 * read receipts and verified state, and force a transaction through the L1 inbox. Talks to a running
 * sequencer API (EPHR_API_URL, default http://127.0.0.1:8645/) and, for verification and `force`, to L1
 * (EPHR_L1_RPC_URL). Run without arguments for help.
 */
import { parseArgs } from "node:util";
import { createPublicClient, createWalletClient, type Hex, http, isAddress, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { EphrClient, forcedBody, type Level, LEVELS, signerOf, type UnsignedTx } from "../../sdk/client.js";
import { isEphrError } from "../../sdk/errors.js";
import { ACCESS_READ, ACCESS_WRITE, CATEGORY_COUNT } from "../protocol/constants.js";
import { chainFor } from "../l1/chain.js";
import { forcedInboxAbi, rollupAbi } from "../l1/contracts.generated.js";
import { KeyStore } from "./keystore.js";
import { readFileSync } from "node:fs";
import { readFhirResource, storeFhirResource } from "../../sdk/records.js";
import { VaultClient, VaultRequestError } from "../../sdk/vault.js";
import { translateConsent } from "../fhir/index.js";
import { fromHex } from "../protocol/bytes.js";

const HELP = `ephr CLI (npm run cli -- <command> [options])

  keys create <name> [--private-key 0x..]   new identity (signing key + encryption key)
  keys list                                  stored identities and their addresses
  info                                       chain, contracts, batches
  grant   --as <patient> --to <grantee> [--access read,write] [--categories 0,1,2] [--days 30] [--for <patient>]
  revoke  --as <patient> --to <grantee> [--for <patient>]
  delegate --as <patient> --to <guardian> [--days 365] | --remove
  register-key --as <name>                   publish the identity's encryption key on the ledger
  register-vault --as <registrar> --to <vault> [--days 365] | --remove
                                              (the network's registrar) let a vault log the reads it serves
  vault-status <name|address> [--trust soft|posted|final]   a vault's registration, verified
  anchor  --as <provider> --patient <p> --record-id 0x.. --ciphertext-hash 0x.. --location-hash 0x.. --category <n> --version <n>
  receipt <hash> [--wait executed|posted|final]
  fhir-consent <consent.json> --as <signer>  translate a FHIR R4 Consent and send its transactions
  upload-fhir <resource.json> --as <provider> --patient <p> [--readers a,b]   encrypt, store in the vault, anchor
  read-record --as <reader> --patient <p> --record-id 0x..                    fetch from the vault and decrypt
  history --patient <p>                      every ledger transaction concerning the patient
  access-log --patient <p>                   served reads, hash chain verified against L1
  consent --patient <p> --grantee <g> [--trust soft|posted|final]
  nonce <name|address>
  force <grant|revoke|delegate|register-vault> ...same options...  --payer <name|dev>
                                              sign a transaction and queue it in the L1 ForcedInbox
  Names are identities from \`keys create\`, or 0x addresses. Add --wait <level> to any transaction.

Environment: EPHR_API_URL, EPHR_L1_RPC_URL (verification, force) with EPHR_ROLLUP_ADDRESS (the Rollup
verification trusts; or --rollup), EPHR_VAULT_URL, EPHR_KEY_PASSWORD, EPHR_KEYS_DIR.`;

const options = {
  as: { type: "string" },
  to: { type: "string" },
  for: { type: "string" },
  access: { type: "string" },
  categories: { type: "string" },
  days: { type: "string" },
  remove: { type: "boolean" },
  patient: { type: "string" },
  grantee: { type: "string" },
  "record-id": { type: "string" },
  "ciphertext-hash": { type: "string" },
  "location-hash": { type: "string" },
  category: { type: "string" },
  version: { type: "string" },
  wait: { type: "string" },
  trust: { type: "string" },
  payer: { type: "string" },
  "private-key": { type: "string" },
  readers: { type: "string" },
  vault: { type: "string" },
  api: { type: "string" },
  l1: { type: "string" },
  rollup: { type: "string" },
} as const;

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const { values: o, positionals: pos } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  const cmd = pos[0];
  if (!cmd || cmd === "help") return void console.log(HELP);
  const { store, devPassword } = KeyStore.fromEnv(process.env);
  const apiUrl = o.api ?? process.env.EPHR_API_URL ?? "http://127.0.0.1:8645/";
  const l1Url = o.l1 ?? process.env.EPHR_L1_RPC_URL;
  const l1 = l1Url ? (createPublicClient({ transport: http(l1Url) }) as PublicClient) : undefined;
  const rollup = o.rollup ?? process.env.EPHR_ROLLUP_ADDRESS;
  if (l1 && !rollup && cmd !== "keys") throw new UsageError("with an L1 RPC URL, name the Rollup to verify against: --rollup 0x.. or EPHR_ROLLUP_ADDRESS (from the deployment)");
  if (rollup !== undefined && !isAddress(rollup)) throw new UsageError(`--rollup / EPHR_ROLLUP_ADDRESS is not an address: ${rollup}`);
  const client = new EphrClient({ url: apiUrl, l1: l1 && rollup ? { client: l1, rollup: rollup as Hex } : undefined });
  const need = (v: string | undefined, name: string) => {
    if (v === undefined) throw new UsageError(`missing --${name}`);
    return v;
  };
  const days = (d: string | undefined, def: number) => {
    const n = d === undefined ? def : Number(d);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--days must be a positive number of days, not ${d}`);
    return Math.floor(Date.now() / 1000) + Math.round(n * 86_400);
  };
  const level = (v: string | boolean | undefined): Level | undefined => {
    if (v === undefined || v === false) return undefined;
    if (v === true || !LEVELS.includes(v as Level)) throw new UsageError(`--wait takes one of ${LEVELS.join(", ")}`);
    return v as Level;
  };
  const wait = level(o.wait);

  switch (cmd) {
    case "keys": {
      if (pos[1] === "create") {
        if (devPassword) console.error("warning: EPHR_KEY_PASSWORD is not set; the key is encrypted with a development password");
        const id = await store.create(need(pos[2], "name (keys create <name>)"), o["private-key"] as Hex | undefined);
        return void console.log(JSON.stringify({ name: id.name, address: id.address, encryptionPublicKey: id.encryptionPublicKey }, null, 2));
      }
      if (pos[1] === "list") {
        for (const n of store.list()) console.log(`${n}\t${store.address(n)}`);
        return;
      }
      throw new UsageError("keys create <name> | keys list");
    }
    case "info":
      return void console.log(JSON.stringify(await client.chainInfo(true), null, 2));
    case "receipt": {
      const hash = need(pos[1], "hash") as Hex;
      const r = wait ? await client.waitFor(hash, wait) : await client.receipt(hash);
      return void console.log(JSON.stringify(r, null, 2));
    }
    case "consent": {
      const trust = o.trust ?? (l1 ? "posted" : "soft");
      if (trust !== "soft" && trust !== "posted" && trust !== "final") throw new UsageError("--trust takes one of soft, posted, final");
      const r = await client.getConsent(await store.resolve(need(o.patient, "patient")), await store.resolve(need(o.grantee, "grantee")), trust);
      return void console.log(JSON.stringify({ exists: r.exists, value: r.value, root: r.root, verified: r.trust, committed: r.committed }, null, 2));
    }
    case "fhir-consent": {
      const id = await store.load(need(o.as, "as"));
      const t = translateConsent(readFileSync(need(pos[1], "consent file"), "utf8"));
      if (t.signer.toLowerCase() !== id.address.toLowerCase()) throw new UsageError(`this Consent must be signed by ${t.signer} (its patient or the guardian it names), not by ${id.name} (${id.address})`);
      for (const w of t.warnings) console.error(`warning: ${w}`);
      const hashes: Hex[] = [];
      for (const tx of t.transactions) hashes.push(await client.send(signerOf(privateKeyToAccount(id.privateKey)), tx));
      return void console.log(JSON.stringify({ patient: t.patient, transactions: t.transactions.map((tx, i) => ({ type: tx.type, hash: hashes[i] })) }, null, 2));
    }
    case "upload-fhir": {
      const id = await store.load(need(o.as, "as"));
      const vault = new VaultClient(o.vault ?? process.env.EPHR_VAULT_URL ?? "http://127.0.0.1:8650", client);
      const readers = await Promise.all((o.readers ?? "").split(",").filter(Boolean).map((r) => store.resolve(r.trim())));
      const r = await storeFhirResource(client, vault, signerOf(privateKeyToAccount(id.privateKey)), { patient: await store.resolve(need(o.patient, "patient")), resource: JSON.parse(readFileSync(need(pos[1], "resource file"), "utf8")), readers });
      return void console.log(JSON.stringify(r, null, 2));
    }
    case "read-record": {
      const id = await store.load(need(o.as, "as"));
      const vault = new VaultClient(o.vault ?? process.env.EPHR_VAULT_URL ?? "http://127.0.0.1:8650", client);
      const r = await readFhirResource(vault, signerOf(privateKeyToAccount(id.privateKey)), fromHex(id.encryptionPrivateKey, 32), await store.resolve(need(o.patient, "patient")), need(o["record-id"], "record-id") as Hex);
      return void console.log(JSON.stringify({ resource: r.resource, version: r.served.record.version, loggedAs: r.served.logAccess }, null, 2));
    }
    case "history":
      return void console.log(JSON.stringify(await client.historyAll(await store.resolve(need(o.patient, "patient"))), null, 2));
    case "access-log": {
      const log = await client.accessLog(await store.resolve(need(o.patient, "patient")), l1 ? "posted" : "soft");
      return void console.log(JSON.stringify({ verified: log.trust, head: log.head, reads: log.entries.map((e) => ({ vault: e.signer, tx: e.tx, at: e.timestamp, status: e.status })) }, null, 2));
    }
    case "nonce":
      return void console.log((await client.getNonce(await store.resolve(need(pos[1], "account")), "soft")).value ?? 0);
    case "vault-status": {
      const trust = o.trust ?? (l1 ? "posted" : "soft");
      if (trust !== "soft" && trust !== "posted" && trust !== "final") throw new UsageError("--trust takes one of soft, posted, final");
      const vault = await store.resolve(need(pos[1], "vault (vault-status <name|address>)"));
      const r = await client.getVault(vault, trust);
      const expiry = r.value?.expiry ?? 0;
      return void console.log(JSON.stringify({ vault, registered: expiry > Math.floor(Date.now() / 1000), expiry: r.value?.expiry ?? null, verified: r.trust, committed: r.committed }, null, 2));
    }
    case "force": {
      const sub = need(pos[1], "transaction kind (grant, revoke, delegate)");
      const id = await store.load(need(o.as, "as"));
      const tx = await buildTx(sub, o, store, days);
      if (tx.type === "RegisterVault" && l1) await checkRegistrar(l1, rollup as Hex, id.address);
      const stx = await client.sign(signerOf(privateKeyToAccount(id.privateKey)), tx);
      if (!l1Url) throw new UsageError("force needs EPHR_L1_RPC_URL (or --l1)");
      const payerKey = o.payer === "dev" || o.payer === undefined ? (await import("../devnet/accounts.js")).DEV_KEYS[5]! : (await store.load(o.payer)).privateKey;
      // The inbox is the one the trusted Rollup names (a censoring sequencer could name another).
      const inbox = await l1!.readContract({ address: rollup as Hex, abi: rollupAbi, functionName: "inbox" });
      const wallet = createWalletClient({ account: privateKeyToAccount(payerKey), transport: http(l1Url), chain: chainFor(await l1!.getChainId(), l1Url) });
      const l1tx = await wallet.writeContract({ address: inbox, abi: forcedInboxAbi, functionName: "enqueue", args: [forcedBody(stx)] });
      console.log(JSON.stringify({ hash: stx.hash, l1Transaction: l1tx, note: "queued in the ForcedInbox; the sequencer must include it before its deadline" }, null, 2));
      if (wait) console.log(JSON.stringify(await client.waitFor(stx.hash, wait, { timeoutMs: 600_000 }), null, 2));
      return;
    }
    default: {
      const id = await store.load(need(o.as, "as"));
      const tx = await buildTx(cmd, o, store, days);
      if (tx.type === "RegisterVault" && l1) await checkRegistrar(l1, rollup as Hex, id.address);
      const hash = await client.send(signerOf(privateKeyToAccount(id.privateKey)), tx);
      console.log(JSON.stringify({ hash }, null, 2));
      if (wait) console.log(JSON.stringify(await client.waitFor(hash, wait), null, 2));
    }
  }
}

async function buildTx(kind: string, o: Record<string, string | boolean | undefined>, store: KeyStore, days: (d: string | undefined, def: number) => number): Promise<UnsignedTx> {
  const s = (k: string) => o[k] as string | undefined;
  const need = (k: string) => {
    const v = s(k);
    if (v === undefined) throw new UsageError(`missing --${k}`);
    return v;
  };
  switch (kind) {
    case "grant": {
      const access = (s("access") ?? "read").split(",").reduce((a, x) => a | (x.trim() === "write" ? ACCESS_WRITE : x.trim() === "read" ? ACCESS_READ : bad(`access ${x}`)), 0);
      const categories = (s("categories") ?? "0").split(",").reduce((m, c) => m | (1 << category(c)), 0) >>> 0;
      const base = { grantee: await store.resolve(need("to")), access, categories, expiry: days(s("days"), 30) };
      return s("for") ? { type: "DelegatedGrantConsent", patient: await store.resolve(s("for")!), ...base } : { type: "GrantConsent", ...base };
    }
    case "revoke": {
      const grantee = await store.resolve(need("to"));
      return s("for") ? { type: "DelegatedRevokeConsent", patient: await store.resolve(s("for")!), grantee } : { type: "RevokeConsent", grantee };
    }
    case "delegate":
      return { type: "SetDelegate", delegate: await store.resolve(need("to")), expiry: o.remove ? 0 : days(s("days"), 365) };
    case "register-vault":
      return { type: "RegisterVault", vault: await store.resolve(need("to")), expiry: o.remove ? 0 : days(s("days"), 365) };
    case "register-key": {
      const id = await store.load(need("as"));
      return { type: "RegisterEncryptionKey", publicKey: id.encryptionPublicKey };
    }
    case "anchor":
      return {
        type: "AnchorRecord",
        patient: await store.resolve(need("patient")),
        recordId: need("record-id") as Hex,
        ciphertextHash: need("ciphertext-hash") as Hex,
        locationHash: need("location-hash") as Hex,
        category: category(need("category")),
        version: positiveInt(need("version"), "version"),
      };
    default:
      throw new UsageError(`unknown command ${kind}\n\n${HELP}`);
  }
}

/** Only the Rollup's registrar may register vaults: say so before signing, naming the registrar L1 holds. */
async function checkRegistrar(l1: PublicClient, rollup: Hex, signer: Hex): Promise<void> {
  const registrar = await l1.readContract({ address: rollup, abi: rollupAbi, functionName: "registrar" });
  if (registrar.toLowerCase() !== signer.toLowerCase()) throw new UsageError(`only the network's registrar ${registrar} (Rollup.registrar) registers vaults, not ${signer}: the sequencer would refuse it (Unauthorized)`);
}

function category(c: string): number {
  const n = Number(c.trim());
  if (!Number.isInteger(n) || n < 0 || n >= CATEGORY_COUNT) throw new UsageError(`a category is an integer from 0 to ${CATEGORY_COUNT - 1}, not ${c}`);
  return n;
}

function positiveInt(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 0xffffffff) throw new UsageError(`--${what} must be a positive 32-bit integer, not ${v}`);
  return n;
}

function bad(what: string): never {
  throw new UsageError(`invalid ${what}`);
}

main(process.argv.slice(2)).catch((e) => {
  if (e instanceof UsageError) console.error(e.message);
  else if (e instanceof VaultRequestError) console.error(`vault refused (${e.vaultCode}): ${e.message}`);
  else if (isEphrError(e)) console.error(`${e.name} (${e.code}): ${e.message}${e.data ? `\n${JSON.stringify(e.data)}` : ""}`);
  else console.error((e as Error).message);
  process.exit(1);
});

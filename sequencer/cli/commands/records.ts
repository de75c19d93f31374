/** FHIR and the vault: send a FHIR Consent's transactions, upload and read encrypted records. */
import { readFileSync } from "node:fs";
import type { Hex } from "viem";
import { connect, type Context, type NetworkOptions } from "../context.js";
import { RefusedError } from "../errors.js";

type VaultOptions = NetworkOptions & { vault?: string };
const print = (v: unknown) => console.log(JSON.stringify(v, null, 2));

async function signer(privateKey: Hex) {
  const [{ signerOf }, { privateKeyToAccount }] = await Promise.all([import("../../../sdk/client.js"), import("viem/accounts")]);
  return signerOf(privateKeyToAccount(privateKey));
}

async function vaultOf(ctx: Context, o: VaultOptions) {
  const { VaultClient } = await import("../../../sdk/vault.js");
  return new VaultClient(o.vault ?? process.env.EPHR_VAULT_URL ?? "http://127.0.0.1:8650", ctx.client);
}

export async function fhirConsent(file: string, o: NetworkOptions & { as: string }): Promise<void> {
  const ctx = await connect(o);
  const id = await ctx.store.load(o.as);
  const { translateAnyConsent } = await import("../../fhir/index.js");
  const t = translateAnyConsent(readFileSync(file, "utf8"));
  if (t.signer.toLowerCase() !== id.address.toLowerCase())
    throw new RefusedError(`this Consent must be signed by ${t.signer} (its patient or the guardian it names), not by ${id.name} (${id.address})`);
  for (const w of t.warnings) console.error(`warning: ${w}`);
  const s = await signer(id.privateKey);
  const hashes: Hex[] = [];
  for (const tx of t.transactions) hashes.push(await ctx.client.send(s, tx));
  print({ patient: t.patient, transactions: t.transactions.map((tx, i) => ({ type: tx.type, hash: hashes[i] })) });
}

export async function uploadFhir(file: string, o: VaultOptions & { as: string; patient: string; readers?: string[] }): Promise<void> {
  const ctx = await connect(o);
  const id = await ctx.store.load(o.as);
  const { storeFhirResource } = await import("../../../sdk/records.js");
  const readers = await Promise.all((o.readers ?? []).map((r) => ctx.store.resolve(r)));
  const resource = JSON.parse(readFileSync(file, "utf8"));
  print(
    await storeFhirResource(ctx.client, await vaultOf(ctx, o), await signer(id.privateKey), { patient: await ctx.store.resolve(o.patient), resource, readers }),
  );
}

export async function readRecord(o: VaultOptions & { as: string; patient: string; recordId: string }): Promise<void> {
  const ctx = await connect(o);
  const id = await ctx.store.load(o.as);
  const [{ readFhirResource }, { fromHex }] = await Promise.all([import("../../../sdk/records.js"), import("../../protocol/bytes.js")]);
  const r = await readFhirResource(
    await vaultOf(ctx, o),
    await signer(id.privateKey),
    fromHex(id.encryptionPrivateKey, 32),
    await ctx.store.resolve(o.patient),
    o.recordId as Hex,
  );
  print({ resource: r.resource, version: r.served.record.version, loggedAs: r.served.logAccess });
}

/** Give more accounts the key of a record's current version (shareRecord: no re-encryption). */
export async function share(o: VaultOptions & { as: string; patient: string; recordId: string; to: string[] }): Promise<void> {
  const ctx = await connect(o);
  const id = await ctx.store.load(o.as);
  const [{ shareRecord }, { fromHex }] = await Promise.all([import("../../../sdk/records.js"), import("../../protocol/bytes.js")]);
  const recipients = await Promise.all(o.to.map((r) => ctx.store.resolve(r)));
  const r = await shareRecord(await vaultOf(ctx, o), await signer(id.privateKey), fromHex(id.encryptionPrivateKey, 32), {
    patient: await ctx.store.resolve(o.patient),
    recordId: o.recordId as Hex,
    recipients,
  });
  print({ version: r.version, added: r.added, loggedAs: r.logAccess });
}

/** Ask the network's key custodian for the key of a record (a reader the ledger admits: by default, under break-glass). */
export async function emergencyKey(o: NetworkOptions & { as: string; patient: string; recordId: string; custodian?: string }): Promise<void> {
  const ctx = await connect(o);
  const id = await ctx.store.load(o.as);
  const { CustodianClient } = await import("../../../sdk/custodian.js");
  const custodian = new CustodianClient(o.custodian ?? process.env.EPHR_CUSTODIAN_URL ?? "http://127.0.0.1:8655", ctx.client);
  print(await custodian.requestKeyWrap(await signer(id.privateKey), await ctx.store.resolve(o.patient), o.recordId as Hex));
}

/**
 * Verifiable Credentials of ledger credentials (docs/credentials.md): `credential export` (the issuer
 * signs a VC of a credential the ledger holds, with its ledger proofs), `credential verify` (signature
 * offline, embedded proofs, and the ledger now) and `credential import` (a presented VC checked and
 * sent as the IssueCredential its issuer signs).
 */
import { readFileSync, statSync, writeFileSync } from "node:fs";
import type { Address } from "viem";
import type { Level } from "../../../sdk/client.js";
import type { TrustLevel } from "../../../sdk/verify.js";
import { MAX_VC_BYTES } from "../../credentials/vc.js";
import { connect, type NetworkOptions } from "../context.js";
import { RefusedError, UsageError } from "../errors.js";
import { waitWithProgress } from "../wait.js";

const print = (v: unknown) => console.log(JSON.stringify(v, null, 2));
const now = () => Math.floor(Date.now() / 1000);

async function signerFor(privateKey: `0x${string}`) {
  const [{ signerOf }, { privateKeyToAccount }] = await Promise.all([import("../../../sdk/client.js"), import("viem/accounts")]);
  return signerOf(privateKeyToAccount(privateKey));
}

/** The credential file's text, its size bounded before it is read. */
function readCredential(file: string): string {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new UsageError(`no credential file ${file}`);
  }
  if (size > MAX_VC_BYTES) throw new UsageError(`${file} is ${size} bytes; a credential is at most ${MAX_VC_BYTES}`);
  return readFileSync(file, "utf8");
}

export async function exportVc(o: NetworkOptions & { as: string; to: string; role: number; org: string; out?: string; trust?: TrustLevel }): Promise<void> {
  const ctx = await connect(o);
  const id = await ctx.store.load(o.as);
  const { exportCredential } = await import("../../../sdk/credentials.js");
  const vc = await exportCredential(ctx.client, await signerFor(id.privateKey), {
    subject: (await ctx.store.resolve(o.to)) as Address,
    role: o.role,
    organisationId: o.org,
    ...(o.trust ? { trust: o.trust } : {}),
  });
  const text = JSON.stringify(vc, null, 2);
  if (o.out === undefined) return console.log(text);
  writeFileSync(o.out, `${text}\n`);
  print({ written: o.out, issuer: vc.issuer, subject: vc.credentialSubject.id, validUntil: vc.validUntil, ledgerTrust: vc.proof[1]?.trust ?? null });
}

export async function verifyVc(file: string, o: NetworkOptions & { offline?: boolean; trust?: TrustLevel }): Promise<void> {
  const text = readCredential(file);
  if (o.offline) {
    const rollup = o.rollup ?? process.env.EPHR_ROLLUP_ADDRESS;
    if (rollup === undefined)
      throw new UsageError("--offline checks the signature for a Rollup: name it with --rollup or EPHR_ROLLUP_ADDRESS (from the deployment)");
    const [{ verifyCredential, parseCredential }, { parseDidPkh }, { isAddress }] = await Promise.all([
      import("../../credentials/vc.js"),
      import("../../credentials/did.js"),
      import("viem"),
    ]);
    if (!isAddress(rollup)) throw new UsageError(`--rollup / EPHR_ROLLUP_ADDRESS is not an address: ${rollup}`);
    const { chainId } = parseDidPkh(parseCredential(text).issuer, "$.issuer");
    const c = await verifyCredential(text, { chainId, rollup, now: now() });
    return print({ valid: true, checked: "offline: shape, DIDs, the issuer's EIP-712 signature, validity, role, organisation hash", credential: c });
  }
  const ctx = await connect(o);
  const { verifyCredentialOnLedger } = await import("../../../sdk/credentials.js");
  const r = await verifyCredentialOnLedger(ctx.client, text, o.trust ? { trust: o.trust } : {});
  print({ valid: true, credential: r.credential, embedded: r.embedded, live: r.live });
}

export async function importVc(file: string, o: NetworkOptions & { as: string; wait?: Level; timeout: number }): Promise<void> {
  const text = readCredential(file);
  const ctx = await connect(o);
  const id = await ctx.store.load(o.as);
  const { importCredential } = await import("../../../sdk/credentials.js");
  const { issuer, transaction } = await importCredential(ctx.client, text);
  if (issuer.toLowerCase() !== id.address.toLowerCase())
    throw new RefusedError(`this credential's issuer ${issuer} must sign its IssueCredential, not ${id.name} (${id.address})`);
  const hash = await ctx.client.send(await signerFor(id.privateKey), transaction);
  print({ hash, transaction });
  if (o.wait) print(await waitWithProgress(ctx.client, hash, o.wait, { timeoutSeconds: o.timeout, apiUrl: ctx.apiUrl }));
}

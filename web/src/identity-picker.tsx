/**
 * "Acting as": choose or create the identity a page acts as, and publish its encryption key on the
 * ledger (RegisterEncryptionKey) so that records can be encrypted for it.
 */
import { useState } from "preact/hooks";
import type { Ledger } from "./ledger.js";
import { connectWallet, createDevIdentity, currentFor, type Identity, identities, setCurrent, signerFor, walletProvider } from "./identities.js";
import { Field, StatusLine, useAction, usePoll } from "./ui.js";
import { short } from "./words.js";

/** Publish the identity's encryption key and wait until the sequencer executed it. */
export async function publishKey(ledger: Ledger, id: Identity): Promise<void> {
  const hash = await ledger.client.send(signerFor(id), { type: "RegisterEncryptionKey", publicKey: id.encPublicKey });
  await ledger.client.waitFor(hash, "executed", { timeoutMs: 60_000 });
}

export function IdentityPicker(p: { ledger: Ledger; kind: "patient" | "provider"; onChange?: () => void }) {
  const me = currentFor(p.kind);
  const all = identities();
  const [name, setName] = useState("");
  const [status, run] = useAction();
  const key = usePoll(async () => (me ? (await p.ledger.client.getEncryptionKey(me.address, "soft")).value : null), 0, [me?.address, status.kind]);
  const published = me !== null && key.value?.toLowerCase() === me.encPublicKey.toLowerCase();
  const create = (e: Event) => {
    e.preventDefault();
    void run(
      "Creating the identity and publishing its encryption key…",
      async () => {
        const id = createDevIdentity(name, p.kind);
        setName("");
        await publishKey(p.ledger, id);
        return id;
      },
      (id) => `${id.name} created (${short(id.address)}); encryption key published.`,
    );
  };
  const wallet = () =>
    void run(
      "Asking the wallet for an account…",
      async () => {
        const id = await connectWallet(name || `Wallet ${all.length + 1}`, p.kind);
        if ((await p.ledger.client.getEncryptionKey(id.address, "soft")).value?.toLowerCase() !== id.encPublicKey.toLowerCase()) await publishKey(p.ledger, id);
        return id;
      },
      (id) => `Acting as the wallet account ${short(id.address)}.`,
    );
  return (
    <div class="identity" data-testid={`identity-${p.kind}`}>
      <div class="row">
        <Field id={`${p.kind}-as`} label={`Acting as (${p.kind})`}>
          <select
            id={`${p.kind}-as`}
            value={me?.address ?? ""}
            onChange={(e) => {
              setCurrent(p.kind, (e.target as HTMLSelectElement).value as `0x${string}`);
              p.onChange?.();
            }}
          >
            <option value="" disabled>
              {all.length === 0 ? "No identity yet: create one" : "Choose an identity"}
            </option>
            {all.map((i) => (
              <option key={i.address} value={i.address}>
                {i.name} ({short(i.address)}){i.kind === "dev" ? " · dev key" : " · wallet"}
              </option>
            ))}
          </select>
        </Field>
        <form class="inline-form" onSubmit={create} aria-label={`New ${p.kind} identity`}>
          <Field id={`${p.kind}-new-name`} label="New identity's name">
            <input
              id={`${p.kind}-new-name`}
              value={name}
              onInput={(e) => setName((e.target as HTMLInputElement).value)}
              required
              maxLength={40}
              autoComplete="off"
            />
          </Field>
          <button type="submit" disabled={status.kind === "busy" || name.trim() === ""}>
            Create with a dev key
          </button>
          {walletProvider() ? (
            <button type="button" onClick={wallet} disabled={status.kind === "busy"}>
              Use my browser wallet
            </button>
          ) : null}
        </form>
      </div>
      {me?.kind === "dev" ? (
        <p class="warn" role="note">
          <strong>Development key:</strong> {me.name}'s signing key is stored unencrypted in this browser (localStorage). Use it on a local devnet only; connect
          a wallet for real use.
        </p>
      ) : null}
      {me && key.value !== null && !published ? (
        <p class="warn">The ledger holds another encryption key for {me.name}: records encrypted for it cannot be opened here.</p>
      ) : null}
      {me && !published && status.kind !== "busy" ? (
        <p>
          {me.name} has not published an encryption key yet, so nobody can encrypt a record for {me.name}.{" "}
          <button
            type="button"
            onClick={() =>
              void run(
                "Publishing the encryption key…",
                () => publishKey(p.ledger, me),
                () => "Encryption key published.",
              )
            }
          >
            Publish my encryption key
          </button>
        </p>
      ) : null}
      <StatusLine status={status} testid={`identity-${p.kind}-status`} />
    </div>
  );
}

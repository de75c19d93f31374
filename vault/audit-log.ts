/**
 * Recording served reads on the ledger: one LogAccess transaction per read, signed by the vault and
 * acknowledged (durably executed) by the sequencer before the record is served. Submissions are
 * serialised so the vault's nonces never race.
 */
import type { Address, Hex } from "viem";
import type { EphrClient, TypedDataSigner } from "../sdk/client.js";
import { isEphrError } from "../sdk/errors.js";
import { VaultError } from "./errors.js";

export class AccessLogger {
  private chain: Promise<unknown> = Promise.resolve();
  private nonce: number | null = null;

  constructor(
    private readonly client: EphrClient,
    private readonly vault: TypedDataSigner,
  ) {}

  log(entry: { patient: Address; reader: Address; recordId: Hex; version: number; requestHash: Hex }): Promise<Hex> {
    const run = this.chain.then(() => this.submit(entry));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async submit(entry: { patient: Address; reader: Address; recordId: Hex; version: number; requestHash: Hex }): Promise<Hex> {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (this.nonce === null) this.nonce = await this.client.nonceOf(this.vault.address);
      try {
        const hash = await this.client.send(this.vault, { type: "LogAccess", ...entry, nonce: this.nonce });
        this.nonce++;
        return hash;
      } catch (e) {
        if (isEphrError(e, "BadNonceError")) {
          this.nonce = null; // someone else used the vault's key, or a restart: read it again
          continue;
        }
        if (isEphrError(e, "UnauthorizedError")) {
          // only a vault the network's registrar registered may log reads (docs/protocol.md section 4)
          throw new VaultError(
            "VAULT_NOT_REGISTERED",
            `this vault (${this.vault.address}) is not registered on the ledger, or its registration ended: the network's registrar must register it (docs/operations.md, "Record vault"); nothing was served`,
            { vault: this.vault.address },
          );
        }
        throw new VaultError("VAULT_LEDGER_UNAVAILABLE", `cannot record the read on the ledger (${(e as Error).message}); nothing was served`);
      }
    }
    throw new VaultError("VAULT_LEDGER_UNAVAILABLE", "cannot record the read on the ledger (nonce conflicts); nothing was served");
  }
}

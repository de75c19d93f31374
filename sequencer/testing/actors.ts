/** Named test actors signing rollup transactions under a deployment's domain, with nonce tracking. */
import type { Address, Hex } from "viem";
import { toHex, wordFromBigint, type Word } from "../protocol/bytes.js";
import { signTx } from "../protocol/sign.js";
import type { SignedTx, Tx } from "../protocol/types.js";
import { testAccount } from "./accounts.js";

type DistributiveOmit<T, K extends keyof never> = T extends unknown ? Omit<T, K> : never;
export type Unsigned = DistributiveOmit<Tx, "nonce"> & { nonce?: number };

export class Actors {
  private nonces = new Map<string, number>();
  constructor(readonly sep: Word) {}

  addr(name: string): Address {
    return testAccount(name).address.toLowerCase() as Address;
  }
  key(name: string): Hex {
    return testAccount(name).privateKey;
  }
  /** Sign with `name`'s key and next nonce (unless the tx fixes one). */
  sign(name: string, tx: Unsigned, opts: { sep?: Word; key?: Hex } = {}): SignedTx {
    const nonce = tx.nonce ?? this.nonces.get(name) ?? 0;
    this.nonces.set(name, Math.max(this.nonces.get(name) ?? 0, nonce + 1));
    return signTx(opts.sep ?? this.sep, { ...tx, nonce } as Tx, opts.key ?? this.key(name));
  }
  grant(grantee: string, expiry: number, access = 3, categories = 0b111): Unsigned {
    return { type: "GrantConsent", grantee: this.addr(grantee), access, categories, expiry };
  }
  revoke(grantee: string): Unsigned {
    return { type: "RevokeConsent", grantee: this.addr(grantee) };
  }
  delegate(d: string, expiry: number): Unsigned {
    return { type: "SetDelegate", delegate: this.addr(d), expiry };
  }
  delegatedGrant(patient: string, grantee: string, expiry: number): Unsigned {
    return { type: "DelegatedGrantConsent", patient: this.addr(patient), grantee: this.addr(grantee), access: 3, categories: 0b111, expiry };
  }
  /** A served read of `patient`'s record `record` by `reader`, as a vault logs it. */
  logAccess(patient: string, reader: string, record = 1, version = 1): Unsigned {
    const w = (n: number) => toHex(wordFromBigint(BigInt(n)));
    return { type: "LogAccess", patient: this.addr(patient), reader: this.addr(reader), recordId: w(1000 + record), version, requestHash: w(4000 + version) };
  }
  anchor(patient: string, version: number, category = 1, record = 1): Unsigned {
    const w = (n: number) => toHex(wordFromBigint(BigInt(n)));
    return {
      type: "AnchorRecord",
      patient: this.addr(patient),
      recordId: w(1000 + record),
      ciphertextHash: w(2000 + version),
      locationHash: w(3000 + version),
      category,
      version,
    };
  }
}

/** Replace a signature's s by one above n/2 (the malleable half), which every verifier refuses. */
export function highS(stx: SignedTx): SignedTx {
  const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const sig = stx.signature.slice(2);
  const parity = BigInt(`0x${sig.slice(64)}`) >> 255n;
  const vs = (parity << 255n) | ((N >> 1n) + 1n);
  return { ...stx, signature: `0x${sig.slice(0, 64)}${vs.toString(16).padStart(64, "0")}` as Hex };
}

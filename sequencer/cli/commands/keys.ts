/** `keys create`, `keys list`: the local key store (no network). */
import type { Hex } from "viem";
import { openStore } from "../context.js";

export async function create(name: string, o: { privateKey?: string }): Promise<void> {
  const { store, devPassword } = openStore();
  if (devPassword) console.error("warning: EPHR_KEY_PASSWORD is not set; the key is encrypted with a development password");
  const id = await store.create(name, o.privateKey as Hex | undefined);
  console.log(JSON.stringify({ name: id.name, address: id.address, encryptionPublicKey: id.encryptionPublicKey, scrypt: id.scrypt }, null, 2));
}

export async function list(): Promise<void> {
  const { store } = openStore();
  for (const n of store.list()) console.log(`${n}\t${await store.address(n)}`);
}

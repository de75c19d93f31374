/**
 * keccak256 for the protocol core. Uses hash-wasm (WebAssembly), chosen for speed over the pure-JS
 * implementations on the 64-byte inputs the state tree hashes (no command in the repo times the two).
 * The API is synchronous once the module has loaded (top-level await below).
 */
import { createKeccak } from "hash-wasm";

const hasher = await createKeccak(256);

/** keccak256 of arbitrary bytes. */
export function keccak256(data: Uint8Array): Uint8Array {
  hasher.init();
  hasher.update(data);
  return hasher.digest("binary");
}

/** keccak256 of the concatenation of several byte strings (no intermediate copy). */
export function keccak256Concat(...parts: Uint8Array[]): Uint8Array {
  hasher.init();
  for (const p of parts) hasher.update(p);
  return hasher.digest("binary");
}

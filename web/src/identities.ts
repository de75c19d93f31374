/**
 * Who the user acts as. Two kinds of identity:
 * - a browser wallet (EIP-1193, `window.ethereum`): it signs every transaction with
 *   `eth_signTypedData_v4` (through viem's wallet client) and holds its key itself;
 * - a development key made by this app and kept in this browser's localStorage, unencrypted: for a
 *   local devnet and trying things out, labelled as such wherever it is shown.
 * Either way, the X25519 key that opens records encrypted for the identity is made here and kept in
 * localStorage beside it (a wallet cannot do X25519); its public half is published on the ledger.
 * Contacts are names for addresses of other people (a patient, a doctor) kept in the same place.
 */
import { encryptionKeyToHex, generateEncryptionKeyPair, type TypedDataSigner, signerOf } from "../../sdk/index.js";
import { type Address, createWalletClient, custom, type EIP1193Provider, type Hex, isAddress } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

export interface Identity {
  name: string;
  address: Address;
  kind: "dev" | "wallet";
  /** the signing key: dev identities only */
  privateKey?: Hex;
  /** X25519 key pair that opens records encrypted for this identity */
  encPrivateKey: Hex;
  encPublicKey: Hex;
}
export interface Contact {
  name: string;
  address: Address;
}
interface Stored {
  identities: Identity[];
  contacts: Contact[];
  current: Record<string, Address | undefined>;
}

const KEY = "ephr.web.identities.v1";
const listeners = new Set<() => void>();

function load(): Stored {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) ?? "null") as Stored | null;
    if (s && Array.isArray(s.identities) && Array.isArray(s.contacts)) return { ...s, current: s.current ?? {} };
  } catch {
    // unreadable storage: start empty (nothing else is kept there)
  }
  return { identities: [], contacts: [], current: {} };
}
let state: Stored = load();

function save(next: Stored): void {
  state = next;
  localStorage.setItem(KEY, JSON.stringify(next));
  for (const l of listeners) l();
}

export function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}
export const identities = (): Identity[] => state.identities;
export const currentFor = (role: string): Identity | null => state.identities.find((i) => i.address === state.current[role]) ?? null;
export const setCurrent = (role: string, address: Address) => save({ ...state, current: { ...state.current, [role]: address } });

const NAME = /^[\p{L}\p{N} .'-]{1,40}$/u;
export class IdentityError extends Error {}

function checkName(name: string): string {
  const n = name.trim();
  if (!NAME.test(n)) throw new IdentityError("a name is 1 to 40 letters, digits, spaces, dots, apostrophes or hyphens");
  if ([...state.identities, ...state.contacts].some((x) => x.name.toLowerCase() === n.toLowerCase())) throw new IdentityError(`the name ${n} is taken`);
  return n;
}

function encryptionPair() {
  const kp = generateEncryptionKeyPair();
  return { encPrivateKey: encryptionKeyToHex(kp.privateKey), encPublicKey: encryptionKeyToHex(kp.publicKey) };
}

/** A new development identity (key made here, kept in this browser). */
export function createDevIdentity(name: string, role: string): Identity {
  const n = checkName(name);
  const privateKey = generatePrivateKey();
  const id: Identity = { name: n, address: privateKeyToAccount(privateKey).address, kind: "dev", privateKey, ...encryptionPair() };
  save({ ...state, identities: [...state.identities, id], current: { ...state.current, [role]: id.address } });
  return id;
}

export function walletProvider(): EIP1193Provider | null {
  return (globalThis as { ethereum?: EIP1193Provider }).ethereum ?? null;
}

/** The browser wallet's selected account as an identity (asks the wallet for access). */
export async function connectWallet(name: string, role: string): Promise<Identity> {
  const provider = walletProvider();
  if (!provider) throw new IdentityError("no browser wallet (EIP-1193) is present");
  const [address] = (await provider.request({ method: "eth_requestAccounts" })) as Address[];
  if (!address || !isAddress(address)) throw new IdentityError("the wallet named no account");
  const known = state.identities.find((i) => i.address.toLowerCase() === address.toLowerCase());
  if (known) {
    setCurrent(role, known.address);
    return known;
  }
  const id: Identity = { name: checkName(name), address, kind: "wallet", ...encryptionPair() };
  save({ ...state, identities: [...state.identities, id], current: { ...state.current, [role]: id.address } });
  return id;
}

export function addContact(name: string, address: string): Contact {
  if (!isAddress(address)) throw new IdentityError(`${address} is not an address (0x and 40 hex digits)`);
  const c = { name: checkName(name), address: address as Address };
  save({ ...state, contacts: [...state.contacts, c] });
  return c;
}

/** The signer of an identity: its dev key, or the wallet (eth_signTypedData_v4). */
export function signerFor(id: Identity): TypedDataSigner {
  if (id.kind === "dev") return signerOf(privateKeyToAccount(id.privateKey!));
  const provider = walletProvider();
  if (!provider) throw new IdentityError(`${id.name} is a wallet account, and no browser wallet is present now`);
  const wallet = createWalletClient({ account: id.address, transport: custom(provider) });
  return { address: id.address, signTypedData: (args) => wallet.signTypedData({ account: id.address, ...args } as never) };
}

/** Everyone the app knows by name: identities, then contacts. */
export function everyone(): Contact[] {
  return [...state.identities.map((i) => ({ name: i.name, address: i.address })), ...state.contacts];
}

/** Names the deployment itself gives to accounts (the devnet's credential issuer), kept in memory only. */
const given = new Map<string, string>();
export const giveName = (address: Address, name: string) => void given.set(address.toLowerCase(), name);

export function nameOf(address: string | null | undefined): string | null {
  if (!address) return null;
  const a = address.toLowerCase();
  return everyone().find((c) => c.address.toLowerCase() === a)?.name ?? given.get(a) ?? null;
}

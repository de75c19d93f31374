/**
 * Provoke a fraud proof on a running devnet: a second proposer (a Hardhat development account the
 * devnet does not use), made a bonded proposer by the admin, posts a batch whose root is wrong; the
 * devnet's watcher must prove it, slashing that proposer. Returns the bad batch's index.
 */
import { createPublicClient, createWalletClient, type Hex, http, type PublicClient } from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { DEV_KEYS, DEV_ROLES } from "../../sequencer/devnet/accounts.js";
import { chainFor } from "../../sequencer/l1/chain.js";
import { bondManagerAbi, rollupAbi } from "../../sequencer/l1/contracts.generated.js";
import { fromHex } from "../../sequencer/protocol/bytes.js";
import { DishonestProposer } from "./dishonest.js";

const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";
/** Hardhat's account 9: funded on every Hardhat node, used by no devnet role. */
const DISHONEST_INDEX = 9;

export async function postDishonestBatch(l1Url: string, rollup: Hex): Promise<{ index: number; proposer: Hex }> {
  const chain = chainFor(31337, l1Url);
  const client = createPublicClient({ chain, transport: http(l1Url) }) as PublicClient;
  const admin = createWalletClient({ account: privateKeyToAccount(DEV_KEYS[DEV_ROLES.deployer]!), chain, transport: http(l1Url) });
  const evil = createWalletClient({ account: mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: DISHONEST_INDEX }), chain, transport: http(l1Url) });
  const read = <T>(functionName: string, args: unknown[] = []) =>
    client.readContract({ address: rollup, abi: rollupAbi, functionName: functionName as never, args: args as never }) as Promise<T>;
  const role = await read<Hex>("PROPOSER_ROLE");
  await client.waitForTransactionReceipt({
    hash: await admin.writeContract({ address: rollup, abi: rollupAbi, functionName: "grantRole", args: [role, evil.account.address] }),
  });
  const bonds = await read<Hex>("bondManager");
  const bond = await client.readContract({ address: bonds, abi: bondManagerAbi, functionName: "bondAmount" });
  await client.waitForTransactionReceipt({ hash: await evil.writeContract({ address: bonds, abi: bondManagerAbi, functionName: "depositBond", value: bond }) });
  const dishonest = new DishonestProposer(evil, client, rollup, fromHex(await read<Hex>("domainSeparator"), 32));
  // the honest sequencer may post between reading the tip and submitting (PrevRootMismatch): try again
  for (let attempt = 1; ; attempt++) {
    try {
      const bad = await dishonest.post("wrong root", undefined as never);
      return { index: bad.index, proposer: evil.account.address };
    } catch (e) {
      if (attempt >= 5) throw e;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

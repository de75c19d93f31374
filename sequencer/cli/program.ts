/**
 * The CLI's commands, their arguments and options, as commander declares them: each command documents
 * its options (`<command> --help`), values are checked while parsing (options.ts), and a command's
 * modules are imported only when it runs (help and a refused option load nothing but commander).
 */
import { Command, Option } from "commander";
import * as p from "./options.js";
import type { TxKind } from "./tx.js";

const ENVIRONMENT = `
Environment:
  EPHR_API_URL         the sequencer API (default http://127.0.0.1:8645/; or --api)
  EPHR_L1_RPC_URL      L1, to verify reads against the Rollup and for \`force\` (or --l1)
  EPHR_ROLLUP_ADDRESS  the Rollup verification trusts, from the deployment (or --rollup)
  EPHR_VAULT_URL       the record vault (default http://127.0.0.1:8650; or --vault)
  EPHR_CUSTODIAN_URL   the key custodian (default http://127.0.0.1:8655; or --custodian)
  EPHR_KEYS_DIR        the key store (default .data/keys)
  EPHR_KEY_PASSWORD    the key store's password (a development password if unset, with a warning)
  EPHR_KEY_SCRYPT_N    scrypt cost N of new keys: a power of two from 2^14 to 2^20 (default 2^17)
  EPHR_AUDIT_URL       the auditor, for \`audit\` (default http://127.0.0.1:8670; or --auditor)

Names are identities from \`keys create\`, or 0x addresses. Exit status: 0 done, 1 failed or refused,
2 a wrong command line or configuration (nothing was sent).`;

/** The options every command that talks to the sequencer (and maybe L1) takes. */
function network(c: Command): Command {
  return c
    .option("--api <url>", "sequencer API URL (EPHR_API_URL)")
    .option("--l1 <url>", "L1 RPC URL, to verify against L1 (EPHR_L1_RPC_URL)")
    .option("--rollup <address>", "the Rollup to trust (EPHR_ROLLUP_ADDRESS)");
}

function waiting(c: Command, defaultTimeout: number): Command {
  return c
    .addOption(new Option("--wait <level>", `wait until the transaction is ${p.WAIT_LEVELS.join(", ")} (progress on stderr)`).argParser(p.waitLevel))
    .addOption(new Option("--timeout <seconds>", "give up waiting after this long").argParser(p.seconds).default(defaultTimeout));
}

/** A transaction's own options, for its command and for `force <kind>`. */
function txOptions(c: Command, kind: TxKind): Command {
  c.requiredOption("--as <name>", "the signer (an identity of the key store)");
  switch (kind) {
    case "grant":
      return c
        .requiredOption("--to <grantee>", "who is granted access")
        .addOption(new Option("--access <list>", "read, write or read,write").argParser(p.access).default(1, "read"))
        .addOption(new Option("--categories <list>", "record categories 0..31, comma-separated").argParser(p.categories).default(1, "0"))
        .addOption(new Option("--days <n>", "days until the grant expires (default: 30)").argParser(p.days))
        .option("--for <patient>", "grant as the patient's guardian");
    case "revoke":
      return c.requiredOption("--to <grantee>", "whose access ends").option("--for <patient>", "revoke as the patient's guardian");
    case "delegate":
      return c
        .requiredOption("--to <guardian>", "the guardian appointed")
        .addOption(new Option("--days <n>", "days until the appointment ends (default: 365)").argParser(p.days))
        .option("--remove", "end the appointment instead");
    case "register-vault":
      return c
        .requiredOption("--to <vault>", "the vault's address (EPHR_VAULT_KEY's account)")
        .addOption(new Option("--days <n>", "days until the registration ends (default: 365)").argParser(p.days))
        .option("--remove", "remove the registration instead");
    case "register-key":
      return c;
    case "anchor":
      return c
        .requiredOption("--patient <p>", "whose record")
        .requiredOption("--record-id <0x..>", "the record's id (32 bytes)")
        .requiredOption("--ciphertext-hash <0x..>", "hash of the encrypted record")
        .requiredOption("--location-hash <0x..>", "hash of where it is stored")
        .requiredOption("--category <n>", "its category, 0..31", p.category)
        .requiredOption("--version <n>", "its version, from 1", p.positiveInt32);
    case "issuer-register":
      return c
        .requiredOption("--to <issuer>", "the issuer's signing account")
        .addOption(new Option("--days <n>", "days until the registration ends (default: 365)").argParser(p.days))
        .option("--remove", "remove the registration instead (ends every credential it issued)");
    case "credential-issue":
    case "credential-revoke":
      c.requiredOption("--to <subject>", "the credential's holder")
        .requiredOption("--role <role>", "a role name (emergency, physician, specialist, laboratory, researcher, nurse, pharmacist) or code 1..255", p.role)
        .requiredOption("--org <id|0x..>", "the organisation: an identifier (hashed with keccak256) or its 32-byte hash");
      return kind === "credential-issue" ? c.addOption(new Option("--days <n>", "days until the credential expires (default: 365)").argParser(p.days)) : c;
    case "policy-set":
      return c
        .requiredOption("--id <n>", "the policy's id (a later set with the same id replaces it)", p.policyId)
        .requiredOption("--issuer <issuer>", "whose credentials the policy trusts")
        .requiredOption("--role <role>", "the role a requester must hold", p.role)
        .addOption(new Option("--access <list>", "read, write or read,write").argParser(p.access).default(1, "read"))
        .addOption(new Option("--categories <list>", "record categories 0..31, comma-separated").argParser(p.categories).default(1, "0"))
        .addOption(new Option("--days <n>", "how long each grant lasts, in days (default: 30; at most 365)").argParser(p.days))
        .option("--for <patient>", "set it as the patient's guardian");
    case "policy-remove":
      return c.requiredOption("--id <n>", "the policy's id", p.policyId).option("--for <patient>", "remove it as the patient's guardian");
    case "request-access":
      return c
        .requiredOption("--patient <p>", "whose records")
        .requiredOption("--id <n>", "the patient's policy that admits the signer's credential", p.policyId)
        .requiredOption("--org <id|0x..>", "the organisation of the signer's credential");
    case "break-glass":
      return c
        .requiredOption("--patient <p>", "whose records")
        .requiredOption("--issuer <issuer>", "the registered issuer of the signer's emergency credential")
        .requiredOption("--org <id|0x..>", "the organisation of that credential")
        .addOption(new Option("--categories <list>", "record categories to open for READ, comma-separated").argParser(p.categories).default(0xffffffff, "all"));
  }
}

const TX_COMMANDS: Record<TxKind, string> = {
  grant: "grant consent to a grantee",
  revoke: "revoke a grantee's consent",
  delegate: "appoint (or remove) a guardian who may grant and revoke for the patient",
  "register-vault": "(the network's registrar) let a vault log the reads it serves",
  "register-key": "publish the identity's encryption key on the ledger",
  anchor: "anchor a record's hashes on the ledger",
  "issuer-register": "(the network's registrar) let an account issue credentials",
  "credential-issue": "(a registered issuer) attest that an account holds a role at an organisation",
  "credential-revoke": "(a registered issuer) revoke a credential",
  "policy-set": "(the patient or a guardian) let holders of a role from an issuer obtain access for a time",
  "policy-remove": "(the patient or a guardian) remove a policy",
  "request-access": "obtain the access a patient's policy gives holders of the signer's credential",
  "break-glass": "(an emergency clinician) open READ of a patient's records for 4 hours without consent; marked and alerted",
};
/** Governance kinds that are subcommands of a group: `issuer register`, `credential issue`, ... */
const GROUPED: Partial<Record<TxKind, [string, string]>> = {
  "issuer-register": ["issuer", "register"],
  "credential-issue": ["credential", "issue"],
  "credential-revoke": ["credential", "revoke"],
  "policy-set": ["policy", "set"],
  "policy-remove": ["policy", "remove"],
};
const FORCEABLE: TxKind[] = ["grant", "revoke", "delegate", "register-vault", "credential-revoke", "policy-remove"];

export function program(version: string): Command {
  const cli = new Command("ephr")
    .usage("<command> [options]   (npm run cli -- <command> [options])")
    .description("Consent, guardians, records and receipts on the ephr rollup.")
    .version(version, "-V, --version", "print the CLI's version")
    .enablePositionalOptions() // so that `anchor --version <n>` is anchor's option, not the program's
    .showSuggestionAfterError()
    .exitOverride() // main.ts decides the exit status (2 for a wrong command line)
    .addHelpText("after", ENVIRONMENT);
  const keys = cli.command("keys").description("the local key store: create and list identities");
  keys
    .command("create <name>")
    .description("a new identity: signing key and encryption key, encrypted with scrypt (EPHR_KEY_SCRYPT_N, default 2^17); prints its cost")
    .option("--private-key <0x..>", "import this signing key instead of a random one")
    .action(async (name: string, o) => (await import("./commands/keys.js")).create(name, o));
  keys
    .command("list")
    .description("stored identities and their addresses")
    .action(async () => (await import("./commands/keys.js")).list());

  network(cli.command("info").description("chain, contracts, batches")).action(async (o) => (await import("./commands/read.js")).info(o));
  waiting(network(cli.command("receipt <hash>").description("a transaction's receipt")), 120).action(async (hash: string, o) =>
    (await import("./commands/read.js")).receipt(hash, o),
  );
  network(cli.command("consent").description("a consent, with its proof checked (against L1 with --l1)"))
    .requiredOption("--patient <p>", "the patient")
    .requiredOption("--grantee <g>", "the grantee")
    .addOption(new Option("--trust <level>", `${p.TRUST_LEVELS.join(", ")} (default: posted with L1, else soft)`).argParser(p.trustLevel))
    .action(async (o) => (await import("./commands/read.js")).consent(o));
  network(cli.command("history").description("every ledger transaction concerning the patient"))
    .requiredOption("--patient <p>", "the patient")
    .action(async (o) => (await import("./commands/read.js")).history(o));
  network(cli.command("access-log").description("served reads of the patient's records, hash chain verified (against L1 with --l1)"))
    .requiredOption("--patient <p>", "the patient")
    .action(async (o) => (await import("./commands/read.js")).accessLog(o));
  network(cli.command("nonce <account>").description("an account's next nonce")).action(async (a: string, o) =>
    (await import("./commands/read.js")).nonce(a, o),
  );
  network(cli.command("vault-status <vault>").description("a vault's registration, verified"))
    .addOption(new Option("--trust <level>", `${p.TRUST_LEVELS.join(", ")} (default: posted with L1, else soft)`).argParser(p.trustLevel))
    .action(async (v: string, o) => (await import("./commands/read.js")).vaultStatus(v, o));

  const groups = new Map<string, Command>([
    ["issuer", cli.command("issuer").description("credential issuers (docs/protocol.md section 13)")],
    ["credential", cli.command("credential").description("credentials an issuer attests: a role at an organisation, until an expiry")],
    ["policy", cli.command("policy").description("a patient's policies: who may obtain which access, for how long")],
  ]);
  for (const [kind, what] of Object.entries(TX_COMMANDS) as [TxKind, string][]) {
    const grouped = GROUPED[kind];
    const parent = grouped ? groups.get(grouped[0])! : cli;
    const c = waiting(network(txOptions(parent.command(grouped ? grouped[1] : kind).description(what), kind)), 120);
    c.action(async (o) => (await import("./commands/send.js")).send(kind, o));
  }
  network(groups.get("issuer")!.command("status <issuer>").description("an issuer's registration, verified"))
    .addOption(new Option("--trust <level>", `${p.TRUST_LEVELS.join(", ")} (default: posted with L1, else soft)`).argParser(p.trustLevel))
    .action(async (i: string, o) => (await import("./commands/governance.js")).issuerStatus(i, o));
  network(groups.get("credential")!.command("check").description("whether an account holds a role at an organisation from an issuer, both proofs verified"))
    .requiredOption("--issuer <issuer>", "the issuer")
    .requiredOption("--subject <account>", "the holder")
    .requiredOption("--role <role>", "the role", p.role)
    .requiredOption("--org <id|0x..>", "the organisation")
    .addOption(new Option("--trust <level>", `${p.TRUST_LEVELS.join(", ")} (default: posted with L1, else soft)`).argParser(p.trustLevel))
    .action(async (o) => (await import("./commands/governance.js")).credentialCheck(o));
  network(
    groups
      .get("credential")!
      .command("export")
      .description("(the issuer) the ledger's credential as a W3C Verifiable Credential the issuer signs, with its ledger proofs"),
  )
    .requiredOption("--as <issuer>", "the issuer (signs the VC)")
    .requiredOption("--to <subject>", "the credential's holder")
    .requiredOption("--role <role>", "the role", p.role)
    .requiredOption("--org <id|0x..>", "the organisation's identifier (the VC carries it, the ledger its hash)")
    .option("--out <file>", "write the VC to this file (default: stdout)")
    .addOption(
      new Option("--trust <level>", `${p.TRUST_LEVELS.join(", ")}: the ledger proofs' level (default: posted with L1, else soft)`).argParser(p.trustLevel),
    )
    .action(async (o) => (await import("./commands/credentials.js")).exportVc(o));
  network(
    groups
      .get("credential")!
      .command("verify <vc.json>")
      .description("check a Verifiable Credential: the issuer's signature, its ledger proofs, and the ledger now"),
  )
    .option("--offline", "check only what the document proves by itself (needs --rollup or EPHR_ROLLUP_ADDRESS)")
    .addOption(new Option("--trust <level>", `${p.TRUST_LEVELS.join(", ")} (default: posted with L1, else soft)`).argParser(p.trustLevel))
    .action(async (file: string, o) => (await import("./commands/credentials.js")).verifyVc(file, o));
  waiting(
    network(
      groups.get("credential")!.command("import <vc.json>").description("(the VC's issuer) check a presented Verifiable Credential and put it on the ledger"),
    ),
    120,
  )
    .requiredOption("--as <issuer>", "the VC's issuer (signs the IssueCredential)")
    .action(async (file: string, o) => (await import("./commands/credentials.js")).importVc(file, o));
  network(groups.get("policy")!.command("list").description("the patient's live policies (ids from the history, each value proven)"))
    .requiredOption("--patient <p>", "the patient")
    .addOption(new Option("--trust <level>", `${p.TRUST_LEVELS.join(", ")} (default: posted with L1, else soft)`).argParser(p.trustLevel))
    .action(async (o) => (await import("./commands/governance.js")).policyList(o));

  network(
    cli.command("fhir-consent <consent.json>").description("translate a FHIR R4 Consent (grants, or a policy naming a policy id) and send its transactions"),
  )
    .requiredOption("--as <signer>", "its patient, or the guardian it names")
    .action(async (file: string, o) => (await import("./commands/records.js")).fhirConsent(file, o));
  network(cli.command("upload-fhir <resource.json>").description("encrypt a FHIR resource, store it in the vault, anchor it"))
    .requiredOption("--as <provider>", "the provider")
    .requiredOption("--patient <p>", "whose record")
    .option("--readers <list>", "who may read it, comma-separated", p.list)
    .option("--vault <url>", "the vault (EPHR_VAULT_URL)")
    .action(async (file: string, o) => (await import("./commands/records.js")).uploadFhir(file, o));
  network(cli.command("read-record").description("fetch a record from the vault and decrypt it"))
    .requiredOption("--as <reader>", "the reader")
    .requiredOption("--patient <p>", "whose record")
    .requiredOption("--record-id <0x..>", "the record")
    .option("--vault <url>", "the vault (EPHR_VAULT_URL)")
    .action(async (o) => (await import("./commands/records.js")).readRecord(o));
  network(cli.command("share").description("give more readers the key of a record (the patient, its provider or a key custodian; no re-encryption)"))
    .requiredOption("--as <holder>", "who holds the record's key")
    .requiredOption("--patient <p>", "whose record")
    .requiredOption("--record-id <0x..>", "the record")
    .requiredOption("--to <list>", "the readers (each holding a READ grant covering the record), comma-separated", p.list)
    .option("--vault <url>", "the vault (EPHR_VAULT_URL)")
    .action(async (o) => (await import("./commands/records.js")).share(o));
  network(cli.command("emergency-key").description("ask the network's key custodian for the key of a record (after break-glass); then read-record"))
    .requiredOption("--as <reader>", "the reader the ledger admits")
    .requiredOption("--patient <p>", "whose record")
    .requiredOption("--record-id <0x..>", "the record")
    .option("--custodian <url>", "the key custodian (EPHR_CUSTODIAN_URL)")
    .action(async (o) => (await import("./commands/records.js")).emergencyKey(o));

  const force = cli
    .command("force")
    .description("sign a transaction and queue it in the L1 ForcedInbox (the sequencer must include it); needs --payer")
    .addHelpText("after", "\nThe L1 transaction is paid by --payer: an identity of the key store, or `dev` for the devnet's development key.");
  for (const kind of FORCEABLE) {
    const c = waiting(network(txOptions(force.command(kind).description(`${TX_COMMANDS[kind]}, through the L1 inbox`), kind)), 600);
    c.requiredOption("--payer <name|dev>", "who pays for the L1 transaction: an identity, or `dev` (a development key, said explicitly)");
    c.action(async (o) => (await import("./commands/send.js")).force(kind, o));
  }
  const l1Options = (c: Command) =>
    c.option("--l1 <url>", "L1 RPC URL (EPHR_L1_RPC_URL)").option("--rollup <address>", "the network's Rollup (EPHR_ROLLUP_ADDRESS)");
  const bond = cli.command("bond").description("a proposer's bond in the network's bond manager, on L1 (docs/operations.md 2.1)");
  l1Options(bond.command("status <proposer>").description("bond, required bond, role, whether it may propose, when a withdrawal becomes possible")).action(
    async (who: string, o) => (await import("./commands/operator.js")).status(who, o),
  );
  l1Options(bond.command("deposit").description("add to the signer's bond (default: what is missing to the required bond)"))
    .requiredOption("--as <name>", "the proposer (an identity of the key store; it pays)")
    .addOption(new Option("--amount <eth>", 'ETH to add: "10", "2.5" or "1000wei"').argParser(p.ethAmount))
    .action(async (o) => (await import("./commands/operator.js")).deposit(o));
  l1Options(
    bond.command("request-withdrawal").description("start withdrawing the whole bond: the proposer may not propose meanwhile; prints when it can withdraw"),
  )
    .requiredOption("--as <name>", "the proposer")
    .action(async (o) => (await import("./commands/operator.js")).requestWithdrawal(o));
  l1Options(bond.command("cancel-withdrawal").description("cancel a withdrawal request: the proposer may propose again"))
    .requiredOption("--as <name>", "the proposer")
    .action(async (o) => (await import("./commands/operator.js")).cancelWithdrawal(o));
  l1Options(bond.command("withdraw").description("withdraw the whole bond, once the withdrawal delay and the challenge period of its last batch have passed"))
    .requiredOption("--as <name>", "the proposer")
    .action(async (o) => (await import("./commands/operator.js")).withdraw(o));
  const proposer = cli.command("proposer").description("(the network's admin) who may propose batches: PROPOSER_ROLE on the Rollup");
  for (const [name, allowed] of [
    ["grant", true],
    ["revoke", false],
  ] as const) {
    l1Options(proposer.command(`${name} <account>`).description(`${allowed ? "grant" : "revoke"} PROPOSER_ROLE (the account also needs a bond to propose)`))
      .requiredOption("--as <admin>", "the admin (DEFAULT_ADMIN_ROLE of the Rollup)")
      .action(async (who: string, o) => (await import("./commands/operator.js")).proposer(allowed, who, o));
  }
  const audit = cli.command("audit").description("the auditor's alerts (a running `npm run auditor`; EPHR_AUDIT_URL or --auditor)");
  audit
    .command("list")
    .description("alerts, newest first: kind, reader, why, and the ledger entries behind each")
    .option("--auditor <url>", "the auditor (EPHR_AUDIT_URL, default http://127.0.0.1:8670)")
    .option(
      "--kind <kind>",
      "only this misuse kind (snooping, bulk-export, off-hours, outside-grant, revocation-race, unusual-category, probing, break-glass-overuse)",
    )
    .option("--reader <address>", "only this reader's")
    .option("--patient <address>", "only those naming this patient")
    .addOption(new Option("--limit <n>", "at most this many (1..1000)").argParser(p.limit).default(100))
    .action(async (o) => (await import("./commands/audit.js")).list(o));
  audit
    .command("explain <id>")
    .description("one alert in full: why, its figures, its patients and ledger entries")
    .option("--auditor <url>", "the auditor (EPHR_AUDIT_URL, default http://127.0.0.1:8670)")
    .action(async (id: string, o) => (await import("./commands/audit.js")).explain(id, o));
  return cli;
}

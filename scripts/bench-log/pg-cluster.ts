/**
 * A PostgreSQL primary with two streaming standbys on free loopback ports, the primary committing only
 * once one standby has flushed the commit too (synchronous_standby_names = 'ANY 1 (s1, s2)',
 * synchronous_commit = on): two copies of three on disk, the same majority as a three-node
 * JetStream stream. For bench-log only. The servers run as the postgres user (initdb refuses root)
 * and are stopped by pg_ctl at the end.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../sequencer/devnet/ports.js";

const BIN = "/usr/lib/postgresql/15/bin";

export interface PgCluster {
  url: string;
  stop: () => void;
}

function asPostgres(cmd: string, args: string[]): string {
  const asRoot = process.getuid?.() === 0;
  const [file, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", join(BIN, cmd), ...args]] : [join(BIN, cmd), args];
  return execFileSync(file, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

export function pgAvailable(): boolean {
  return spawnSync(join(BIN, "pg_ctl"), ["--version"], { stdio: "ignore" }).status === 0;
}

export async function startPgCluster(): Promise<PgCluster> {
  const base = mkdtempSync(join(tmpdir(), "ephr-pg-"));
  chmodSync(base, 0o755);
  if (process.getuid?.() === 0) chownSync(base, Number(execFileSync("id", ["-u", "postgres"]).toString()), 0);
  const ports = [await freePort(), await freePort(), await freePort()];
  const dirs = ["p", "s1", "s2"].map((n) => join(base, n));
  asPostgres("initdb", ["-D", dirs[0]!, "-U", "postgres", "--auth=trust", "-E", "UTF8"]);
  writeFileSync(
    join(dirs[0]!, "postgresql.auto.conf"),
    [
      `port = ${ports[0]}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${base}'`,
      "wal_level = replica",
      "max_wal_senders = 5",
      "synchronous_standby_names = 'ANY 1 (s1, s2)'",
      "synchronous_commit = on",
    ].join("\n"),
  );
  writeFileSync(join(dirs[0]!, "pg_hba.conf"), "local all all trust\nhost all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n");
  if (process.getuid?.() === 0) execFileSync("chown", ["-R", "postgres", base]);
  asPostgres("pg_ctl", ["-D", dirs[0]!, "-l", join(base, "p.log"), "-w", "start"]);
  for (const [i, name] of ["s1", "s2"].entries()) {
    const dir = dirs[i + 1]!;
    asPostgres("pg_basebackup", ["-h", "127.0.0.1", "-p", String(ports[0]), "-U", "postgres", "-D", dir, "-R", "-X", "stream"]);
    writeFileSync(
      join(dir, "postgresql.auto.conf"),
      [
        `port = ${ports[i + 1]}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${base}'`,
        `primary_conninfo = 'host=127.0.0.1 port=${ports[0]} user=postgres application_name=${name}'`,
        "hot_standby = on",
      ].join("\n"),
    );
    if (process.getuid?.() === 0) execFileSync("chown", ["-R", "postgres", dir]);
    chmodSync(dir, 0o700);
    asPostgres("pg_ctl", ["-D", dir, "-l", join(base, `${name}.log`), "-w", "start"]);
  }
  return {
    url: `postgres://postgres@127.0.0.1:${ports[0]}/postgres`,
    stop: () => {
      for (const dir of dirs.slice().reverse()) {
        try {
          asPostgres("pg_ctl", ["-D", dir, "-m", "immediate", "stop"]);
        } catch {
          // already stopped
        }
      }
      rmSync(base, { recursive: true, force: true });
    },
  };
}

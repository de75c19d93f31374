/**
 * A three-node NATS JetStream cluster on free loopback ports, each node with its own store directory,
 * for tests and benchmarks of the replicated log (the sequencer's EPHR_LOG=jetstream). Every node is a
 * child process stopped by its own PID; one can be killed (kill -9) and started again on its directory.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../devnet/ports.js";

export interface NatsNode {
  name: string;
  clientPort: number;
  url: string;
  pid: () => number | null;
  running: () => boolean;
  kill: (signal?: NodeJS.Signals) => Promise<void>;
  start: () => Promise<void>;
}

export interface NatsCluster {
  nodes: NatsNode[];
  /** every node's client URL, comma-separated (EPHR_LOG_NATS_URLS) */
  urls: string;
  stop: () => Promise<void>;
}

/** Whether `nats-server` is on the PATH (tests that need a cluster say so when it is not). */
export function natsServerAvailable(): boolean {
  return spawnSync("nats-server", ["--version"], { stdio: "ignore" }).status === 0;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: "127.0.0.1", port }, () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/**
 * Start `size` (default 3) JetStream nodes forming one cluster. (nats-server 2.9, Debian's, writes each
 * message to its file before it counts toward the majority, and leaves the fsync to the OS; 2.10 adds
 * `sync_interval: always`: see docs/operations.md.)
 */
export async function startNatsCluster(opts: { size?: number } = {}): Promise<NatsCluster> {
  const size = opts.size ?? 3;
  const base = mkdtempSync(join(tmpdir(), "ephr-nats-"));
  const clientPorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  const routePorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  const routes = routePorts.map((p) => `nats://127.0.0.1:${p}`).join(",");
  const nodes: NatsNode[] = clientPorts.map((clientPort, i) => {
    const name = `n${i + 1}`;
    const dir = join(base, name);
    let child: ChildProcess | null = null;
    const running = () => child !== null && child.exitCode === null && child.signalCode === null;
    const start = async () => {
      const conf = join(base, `${name}.conf`);
      const text = [
        `server_name: ${name}`,
        "host: 127.0.0.1",
        `port: ${clientPort}`,
        `jetstream { store_dir: "${dir}" }`,
        `cluster { name: ephr, host: 127.0.0.1, port: ${routePorts[i]}, routes: [${routes}] }`,
      ].join("\n");
      writeFileSync(conf, text);
      child = spawn("nats-server", ["-c", conf], { stdio: "ignore" });
      for (let k = 0; k < 100; k++) {
        if (await listening(clientPort)) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`nats-server ${name} did not listen on ${clientPort}`);
    };
    const kill = (signal: NodeJS.Signals = "SIGKILL") =>
      new Promise<void>((resolve) => {
        const c = child;
        if (c === null || !running()) return resolve();
        c.once("exit", () => resolve());
        c.kill(signal);
      });
    return { name, clientPort, url: `nats://127.0.0.1:${clientPort}`, pid: () => child?.pid ?? null, running, kill, start };
  });
  await Promise.all(nodes.map((n) => n.start()));
  return {
    nodes,
    urls: nodes.map((n) => n.url).join(","),
    stop: async () => {
      await Promise.all(nodes.map((n) => n.kill("SIGKILL")));
      rmSync(base, { recursive: true, force: true });
    },
  };
}

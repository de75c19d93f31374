/**
 * The replicated log against a real three-node JetStream cluster (nats-server on the PATH; started on
 * free ports and stopped here): appends in order, fenced after another writer's claim, records larger
 * than a message joined again, a deposed writer's half-written record skipped by readers.
 */
import { jetstream } from "@nats-io/jetstream";
import { connect, headers } from "@nats-io/transport-node";
import { expect } from "chai";
import { type NatsCluster, natsServerAvailable, startNatsCluster } from "../testing/nats-cluster.js";
import { FencedError, JetStreamLog, type LogItem } from "./jetstream.js";

const open = (c: NatsCluster, stream: string) => JetStreamLog.open({ urls: c.urls.split(","), stream, replicas: 3, appendTimeoutMs: 5000 });

async function readAll(log: JetStreamLog): Promise<LogItem[]> {
  const items: LogItem[] = [];
  await log.read(1, async (i) => void items.push(i), { until: await log.end() });
  return items;
}

describe("JetStream replicated log (three nodes)", function () {
  this.timeout(60_000);
  let cluster: NatsCluster;
  before(async () => {
    if (!natsServerAvailable()) throw new Error("nats-server is not on the PATH (.ci/run installs it)");
    cluster = await startNatsCluster();
  });
  after(async () => cluster?.stop());

  it("fences a deposed writer: after another's claim every append of the old epoch is refused, pipelined ones included", async () => {
    const a = await open(cluster, "fence");
    const b = await open(cluster, "fence");
    try {
      const claimA = await a.claim(await a.end(), "a");
      expect(claimA?.epoch).to.equal(1);
      const acked = await Promise.all([1, 2, 3].map((i) => a.append(new Uint8Array([i]))));
      expect(acked).to.deep.equal([3, 4, 5]);
      // b claims at a stale end: refused (a appended since); at the real end: epoch 2
      expect(await b.claim(2, "b")).to.equal(null);
      const claimB = await b.claim(await b.end(), "b");
      expect(claimB?.epoch).to.equal(2);
      const late = await Promise.allSettled([a.append(new Uint8Array([9])), a.append(new Uint8Array([10]))]);
      for (const r of late) {
        expect(r.status).to.equal("rejected");
        expect((r as PromiseRejectedResult).reason).to.be.instanceOf(FencedError);
      }
      expect((await a.currentClaim()).epoch, "the deposed writer can see who claimed the log").to.equal(2);
      expect(await b.append(new Uint8Array([42]))).to.equal(7);
      const items = await readAll(b);
      expect(items.map((i) => ("claim" in i ? `claim ${i.claim.epoch}` : `${i.epoch}:${i.record[0]}`))).to.deep.equal([
        "claim 0",
        "claim 1",
        "1:1",
        "1:2",
        "1:3",
        "claim 2",
        "2:42",
      ]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("splits a record larger than a message and joins it again; a half-written one followed by a claim is skipped", async () => {
    const a = await open(cluster, "parts");
    const b = await open(cluster, "parts");
    try {
      await a.claim(await a.end(), "a");
      const big = new Uint8Array(2_500_000).map((_, i) => i % 251);
      await a.append(big);
      // a deposed writer's record of which only the first part got in, then another writer's claim
      const nc = await connect({ servers: cluster.urls.split(",") });
      const h = headers();
      h.set("Ephr-Epoch", "1");
      h.set("Ephr-Part", "1/2");
      await jetstream(nc).publish(`${b.subject}.rec`, new Uint8Array([1, 2, 3]), { headers: h });
      await nc.close();
      await b.claim(await b.end(), "b");
      await b.append(new Uint8Array([7]));
      const records = (await readAll(b)).filter((i) => "record" in i) as { record: Uint8Array }[];
      expect(records.length).to.equal(2);
      expect(Buffer.from(records[0]!.record).equals(Buffer.from(big))).to.equal(true);
      expect([...records[1]!.record]).to.deep.equal([7]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

import { expect } from "chai";
import fc from "fast-check";
import { DEFAULT_SCALING, ScalingSignal } from "./autoscale.js";

const policy = { ...DEFAULT_SCALING, capacityPerReplica: 1000 };

describe("scaling signals: desired replicas from a short-term forecast of load", () => {
  it("a steady load needs load / capacity replicas, rounded up", () => {
    const s = new ScalingSignal(policy);
    for (let t = 0; t < 200; t += 10) s.observe(t, 2500);
    expect(s.forecast()).to.be.closeTo(2500, 1);
    expect(s.desired()).to.equal(3);
  });

  it("a rising load is provisioned ahead of time: the forecast leads the current rate by the horizon", () => {
    const s = new ScalingSignal(policy);
    for (let t = 0, r = 500; t < 120; t += 10, r += 200) s.observe(t, r); // +200 req/s every 10 s
    const now = 500 + 11 * 200; // the last sample, 2,700 req/s
    expect(s.forecast()).to.be.greaterThan(now + 600); // about +1,200 over the next 60 s
    expect(s.desired()).to.be.at.least(Math.ceil((now + 600) / 1000));
  });

  it("scales up at once and down only after the stabilisation window", () => {
    const s = new ScalingSignal({ ...policy, scaleDownSeconds: 60 });
    for (let t = 0; t < 100; t += 10) s.observe(t, 500);
    expect(s.desired()).to.equal(1);
    s.observe(100, 8000); // a burst
    expect(s.desired()).to.be.at.least(8);
    for (let t = 110; t <= 150; t += 10) s.observe(t, 500);
    expect(s.desired(), "within the window: keep the replicas").to.be.at.least(8);
    for (let t = 160; t <= 400; t += 10) s.observe(t, 500);
    expect(s.desired(), "after the window").to.equal(1);
  });

  it("stays within [min, max] and never forecasts a negative load, whatever the samples", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 60 }), (rates) => {
        const s = new ScalingSignal({ ...policy, minReplicas: 2, maxReplicas: 20 });
        rates.forEach((r, i) => s.observe(i * 10, r));
        const d = s.desired();
        return s.forecast() >= 0 && d >= 2 && d <= 20 && Number.isInteger(d);
      }),
    );
  });

  it("refuses a policy or a sample it cannot use", () => {
    expect(() => new ScalingSignal({ ...policy, capacityPerReplica: 0 })).to.throw(/capacityPerReplica/);
    expect(() => new ScalingSignal({ ...policy, alpha: 0 })).to.throw(/alpha/);
    expect(() => new ScalingSignal(policy).observe(0, Number.NaN)).to.throw(/finite/);
  });
});

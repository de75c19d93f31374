/**
 * Scoring the auditor against a labelled trail: an alert is a true positive when an injected incident
 * of the same kind and reader is under way (from its start to its end plus `slackS`); an incident is
 * found when such an alert exists. Precision and recall per kind and overall (micro-averaged).
 */
import { type Alert, MISUSE_KINDS, type MisuseKind } from "./events.js";
import type { Incident } from "./synthetic.js";

export interface KindScore {
  kind: MisuseKind | "overall";
  incidents: number;
  found: number;
  alerts: number;
  truePositives: number;
  precision: number;
  recall: number;
  /** recall over the harder variants alone */
  hardRecall: number;
}

export function evaluate(alerts: readonly Alert[], incidents: readonly Incident[], slackS = 3600): KindScore[] {
  const byReader = new Map<string, Incident[]>();
  for (const i of incidents) byReader.set(i.reader, [...(byReader.get(i.reader) ?? []), i]);
  const found = new Set<Incident>();
  const tp = new Map<MisuseKind, number>();
  const count = new Map<MisuseKind, number>();
  for (const a of alerts) {
    count.set(a.kind, (count.get(a.kind) ?? 0) + 1);
    const match = byReader.get(a.reader)?.find((i) => i.kind === a.kind && a.at >= i.start && a.at <= i.end + slackS);
    if (match === undefined) continue;
    tp.set(a.kind, (tp.get(a.kind) ?? 0) + 1);
    found.add(match);
  }
  const score = (kind: MisuseKind | "overall", of: (k: MisuseKind) => boolean): KindScore => {
    const inc = incidents.filter((i) => of(i.kind));
    const hard = inc.filter((i) => i.hard);
    const kinds = MISUSE_KINDS.filter(of);
    const alertsN = kinds.reduce((s, k) => s + (count.get(k) ?? 0), 0);
    const tpN = kinds.reduce((s, k) => s + (tp.get(k) ?? 0), 0);
    const foundN = inc.filter((i) => found.has(i)).length;
    return {
      kind,
      incidents: inc.length,
      found: foundN,
      alerts: alertsN,
      truePositives: tpN,
      precision: alertsN === 0 ? (inc.length === 0 ? 1 : 0) : tpN / alertsN,
      recall: inc.length === 0 ? 1 : foundN / inc.length,
      hardRecall: hard.length === 0 ? 1 : hard.filter((i) => found.has(i)).length / hard.length,
    };
  };
  return [...MISUSE_KINDS.map((k) => score(k, (x) => x === k)), score("overall", () => true)];
}

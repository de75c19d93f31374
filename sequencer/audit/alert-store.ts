/** The alerts a running auditor keeps and serves: at most `max`, the oldest dropped first. */
import type { Alert, MisuseKind } from "./events.js";

export interface AlertFilter {
  kind?: MisuseKind;
  reader?: string;
  /** alerts naming this patient among theirs */
  patient?: string;
  limit?: number;
}

export class AlertStore {
  private readonly alerts: Alert[] = [];
  private readonly byId = new Map<string, Alert>();
  dropped = 0;

  constructor(private readonly max: number) {}

  add(a: Alert): boolean {
    if (this.byId.has(a.id)) return false;
    this.alerts.push(a);
    this.byId.set(a.id, a);
    while (this.alerts.length > this.max) {
      this.byId.delete(this.alerts.shift()!.id);
      this.dropped++;
    }
    return true;
  }

  get(id: string): Alert | undefined {
    return this.byId.get(id);
  }

  /** Newest first. */
  list(f: AlertFilter = {}): Alert[] {
    const out: Alert[] = [];
    const reader = f.reader?.toLowerCase();
    const patient = f.patient?.toLowerCase();
    for (let i = this.alerts.length - 1; i >= 0 && out.length < (f.limit ?? 100); i--) {
      const a = this.alerts[i]!;
      if (
        (f.kind === undefined || a.kind === f.kind) &&
        (reader === undefined || a.reader === reader) &&
        (patient === undefined || a.patients.includes(patient))
      )
        out.push(a);
    }
    return out;
  }

  get size(): number {
    return this.alerts.length;
  }
}

import { collectDefaultMetrics, Counter, Gauge, Registry, type Metric } from "prom-client";

/** The transports a call can arrive on, as the `transport` label says. */
export type TransportName = "grpc" | "twirp";

/** Counts one finished call; pre-bound to its transport and method so the hot path does no label lookups it can avoid. */
export interface CallMeter {
  /** Records a call that ended with `code` (`OK` or an error class) and `reason` ("" on success) after `seconds`. */
  done(code: string, reason: string, seconds: number): void;
}

/** roomgate's Prometheus metrics (contract §12); one registry per server, no global state. */
export interface Metrics {
  /** A meter for calls of one method on one transport. */
  meter(transport: TransportName, method: string): CallMeter;
  /** Counts a token handed out to a CreateToken client. */
  tokenMinted(client: string): void;
  /** An open watch stream started (+1) or ended (-1). */
  watchStreams(delta: 1 | -1): void;
  /** The Prometheus text exposition of every metric. */
  render(): Promise<string>;
  /** The Content-Type of `render`'s output. */
  readonly contentType: string;
}

/** What the gauges read at scrape time. */
export interface MetricsProbes {
  /** Active participants in this instance's view of the store; rejects when the store is down. */
  participantsActive: () => Promise<number>;
}

// Sub-millisecond buckets: a VerifyToken answers in well under one.
const DURATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Plain counts of one method on one transport, read by the collectors at scrape time. */
interface MethodStats {
  transport: TransportName;
  method: string;
  ok: number;
  errors: Map<string, { code: string; reason: string; n: number }>;
  /** Observations per bucket of DURATION_BUCKETS (not cumulative); larger ones only count toward +Inf. */
  buckets: Float64Array;
  count: number;
  sum: number;
}

const HISTOGRAM = { name: "roomgate_rpc_duration_seconds", help: "Time from a call's decoded request to its answer (streams: their lifetime)." };

// A prom-client metric whose values come from MethodStats: the exposition of a histogram with labels transport and method.
function durationHistogram(stats: Map<string, MethodStats>) {
  const get = async () => {
    const values: { labels: Record<string, string | number>; sharedLabels: Record<string, string>; value: number; metricName: string }[] = [];
    for (const st of stats.values()) {
      const shared = { transport: st.transport, method: st.method };
      let acc = 0;
      DURATION_BUCKETS.forEach((le, i) => {
        acc += st.buckets[i]!;
        values.push({ labels: { le }, sharedLabels: shared, value: acc, metricName: `${HISTOGRAM.name}_bucket` });
      });
      values.push({ labels: { le: "+Inf" }, sharedLabels: shared, value: st.count, metricName: `${HISTOGRAM.name}_bucket` });
      values.push({ labels: {}, sharedLabels: shared, value: st.sum, metricName: `${HISTOGRAM.name}_sum` });
      values.push({ labels: {}, sharedLabels: shared, value: st.count, metricName: `${HISTOGRAM.name}_count` });
    }
    return { ...HISTOGRAM, type: "histogram", values, aggregator: "sum" };
  };
  // Meters keep their MethodStats, so a reset zeroes them in place.
  const reset = (): void => {
    for (const st of stats.values()) {
      st.buckets.fill(0);
      st.ok = 0;
      st.errors.clear();
      st.count = 0;
      st.sum = 0;
    }
  };
  return { ...HISTOGRAM, type: "histogram", aggregator: "sum", get, reset };
}

/**
 * Creates the metrics of one server in a registry of its own. No label
 * carries a room, an identity or a token: only transport, method, status
 * code, reason and client name.
 */
export function createMetrics(probes: MetricsProbes): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // The hot path only bumps plain numbers (one MethodStats per transport and method); prom-client
  // reads them at scrape time, so a call costs no label hashing or metric lookups.
  const stats = new Map<string, MethodStats>();
  new Counter({
    name: "roomgate_rpc_requests_total", help: "Calls answered, by transport, method, status code and reason.",
    labelNames: ["transport", "method", "code", "reason"] as const, registers: [registry],
    collect() {
      this.reset();
      for (const st of stats.values()) {
        if (st.ok > 0) this.inc({ transport: st.transport, method: st.method, code: "OK", reason: "" }, st.ok);
        for (const e of st.errors.values()) this.inc({ transport: st.transport, method: st.method, code: e.code, reason: e.reason }, e.n);
      }
    },
  });
  registry.registerMetric(durationHistogram(stats) as unknown as Metric);
  const minted = new Counter({ name: "roomgate_tokens_minted_total", help: "Tokens handed out by CreateToken, by client.", labelNames: ["client"] as const, registers: [registry] });
  const watch = new Gauge({ name: "roomgate_watch_streams", help: "WatchParticipant streams open on this instance.", registers: [registry] });
  // Both gauges are collected concurrently in one scrape; they share one probe of the store.
  let pending: Promise<number | undefined> | undefined;
  const probe = (): Promise<number | undefined> =>
    (pending ??= probes.participantsActive().then((n) => n, () => undefined).finally(() => (pending = undefined)));
  new Gauge({
    name: "roomgate_participants_active", help: "Active participants in this instance's view of the store.", registers: [registry],
    async collect() {
      const n = await probe();
      if (n !== undefined) this.set(n);
    },
  });
  new Gauge({
    name: "roomgate_store_up", help: "1 when the participant store answered during this scrape, else 0.", registers: [registry],
    async collect() {
      this.set((await probe()) === undefined ? 0 : 1);
    },
  });
  return {
    meter(transport, method) {
      const key = `${transport} ${method}`;
      let st = stats.get(key);
      if (!st) {
        st = { transport, method, ok: 0, errors: new Map(), buckets: new Float64Array(DURATION_BUCKETS.length), count: 0, sum: 0 };
        stats.set(key, st);
      }
      const s = st;
      return {
        done(code, reason, seconds) {
          s.count++;
          s.sum += seconds;
          for (let i = 0; i < DURATION_BUCKETS.length; i++) {
            if (seconds <= DURATION_BUCKETS[i]!) {
              s.buckets[i]!++;
              break;
            }
          }
          if (code === "OK") {
            s.ok++;
            return;
          }
          const k = `${code} ${reason}`;
          const e = s.errors.get(k);
          if (e) e.n++;
          else s.errors.set(k, { code, reason, n: 1 });
        },
      };
    },
    tokenMinted: (client) => minted.inc({ client }),
    watchStreams: (delta) => watch.inc(delta),
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

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

/**
 * Creates the metrics of one server in a registry of its own. No label
 * carries a room, an identity or a token: only transport, method, status
 * code, reason and client name.
 */
export function createMetrics(probes: MetricsProbes): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: "roomgate_rpc_requests_total", help: "Calls answered, by transport, method, status code and reason.",
    labelNames: ["transport", "method", "code", "reason"] as const, registers: [registry],
  });
  const duration = new Histogram({
    name: "roomgate_rpc_duration_seconds", help: "Time from a call's decoded request to its answer (streams: their lifetime).",
    labelNames: ["transport", "method"] as const, buckets: DURATION_BUCKETS, registers: [registry],
  });
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
      const histogram = duration.labels(transport, method);
      const children = new Map<string, ReturnType<typeof requests.labels>>();
      const ok = requests.labels(transport, method, "OK", "");
      return {
        done(code, reason, seconds) {
          histogram.observe(seconds);
          if (code === "OK") return ok.inc();
          const key = `${code}|${reason}`;
          let child = children.get(key);
          if (!child) children.set(key, (child = requests.labels(transport, method, code, reason)));
          child.inc();
        },
      };
    },
    tokenMinted: (client) => minted.inc({ client }),
    watchStreams: (delta) => watch.inc(delta),
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}

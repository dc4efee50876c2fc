import { silentLogger, type Logger } from "../log.js";
import { participantKey, type ParticipantRecord } from "./model.js";

/** Why an event was sent (the proto's EventCause in domain form). */
export type EventCause = "joined" | "updated" | "refreshed" | "removed";

/**
 * One change of a participant. Plain data, so it can cross a process boundary as
 * JSON; it carries no token: each process mints one per version for its own watchers.
 */
export interface ParticipantEvent {
  cause: EventCause;
  participant: ParticipantRecord;
  /** The revocation watermark after a `removed` that revoked tokens. */
  revokedThrough?: number;
}

/** A watermark recorded for an identity without a participant record (a leaked token revoked before any join). */
export interface RevocationNotice {
  room: string;
  identity: string;
  revokedThrough: number;
}

/** Receives revocation notices; must not throw (a throwing listener is logged and skipped). */
export type RevocationListener = (notice: RevocationNotice) => void;

/** Receives events; must not throw (a throwing listener is logged and skipped). */
export type EventListener = (event: ParticipantEvent) => void;

/** Stops a subscription; calling it twice is harmless. */
export type Unsubscribe = () => void;

/**
 * Fan-out of participant changes. The in-process bus below serves one
 * process; a Redis pub/sub bus implements the same interface so that every
 * process sees every change without the services knowing.
 */
export interface ParticipantEvents {
  /** Delivers an event to the subscribers of its (room, identity) and to the subscribers of all. */
  publish(event: ParticipantEvent): Promise<void>;
  /** Listens to one participant. */
  subscribe(room: string, identity: string, listener: EventListener): Unsubscribe;
  /** Listens to every participant (keeps per-process indexes in step with other processes). */
  subscribeAll(listener: EventListener): Unsubscribe;
  /** Delivers a revocation notice to every `subscribeRevocations` listener; watchers never see it. */
  publishRevocation(notice: RevocationNotice): Promise<void>;
  /** Listens to revocation notices of every identity (keeps per-process indexes in step). */
  subscribeRevocations(listener: RevocationListener): Unsubscribe;
}

/** The subscriber sets behind a ParticipantEvents implementation (the in-process bus and the Redis one share them). */
export interface ListenerSets {
  /** The (room, identity) keys that have listeners, with them. */
  readonly byKey: ReadonlyMap<string, ReadonlySet<EventListener>>;
  /** Calls the listeners of the event's participant (unless `toWatchers` is false), then every subscribeAll listener. */
  deliver(event: ParticipantEvent, toWatchers?: boolean): void;
  /** Calls every subscribeRevocations listener. */
  deliverRevocation(notice: RevocationNotice): void;
  subscribe: ParticipantEvents["subscribe"];
  subscribeAll: ParticipantEvents["subscribeAll"];
  subscribeRevocations: ParticipantEvents["subscribeRevocations"];
}

/** Creates empty listener sets; a throwing listener is logged and skipped. */
export function createListenerSets(log: Logger = silentLogger): ListenerSets {
  const byKey = new Map<string, Set<EventListener>>();
  const all = new Set<EventListener>();
  const revocations = new Set<RevocationListener>();

  const call = (listeners: Iterable<EventListener>, event: ParticipantEvent): void => {
    // A snapshot, so listeners that unsubscribe while being called do not skip their neighbours.
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch (err) {
        log.error("participant event listener failed", { cause: event.cause, err });
      }
    }
  };

  return {
    byKey,
    deliver(event, toWatchers = true) {
      const { room, identity } = event.participant;
      if (toWatchers) call(byKey.get(participantKey(room, identity)) ?? [], event);
      call(all, event);
    },
    deliverRevocation(notice) {
      for (const listener of [...revocations]) {
        try {
          listener(notice);
        } catch (err) {
          log.error("revocation listener failed", { err });
        }
      }
    },
    subscribe(room, identity, listener) {
      const key = participantKey(room, identity);
      // Wrapped so the same function subscribed twice is two subscriptions.
      const entry: EventListener = (e) => listener(e);
      let set = byKey.get(key);
      if (!set) byKey.set(key, (set = new Set()));
      set.add(entry);
      return () => {
        const cur = byKey.get(key);
        if (!cur) return;
        cur.delete(entry);
        if (cur.size === 0) byKey.delete(key);
      };
    },
    subscribeAll(listener) {
      const entry: EventListener = (e) => listener(e);
      all.add(entry);
      return () => {
        all.delete(entry);
      };
    },
    subscribeRevocations(listener) {
      const entry: RevocationListener = (n) => listener(n);
      revocations.add(entry);
      return () => {
        revocations.delete(entry);
      };
    },
  };
}

/** Creates an in-process bus; delivery is synchronous and in subscription order. */
export function createInProcessEvents(log: Logger = silentLogger): ParticipantEvents {
  const sets = createListenerSets(log);
  return {
    async publish(event) {
      sets.deliver(event);
    },
    subscribe: sets.subscribe,
    subscribeAll: sets.subscribeAll,
    async publishRevocation(notice) {
      sets.deliverRevocation(notice);
    },
    subscribeRevocations: sets.subscribeRevocations,
  };
}

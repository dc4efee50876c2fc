import { describe, expect, it } from "vitest";
import { createInProcessEvents, type ParticipantEvent } from "../../src/participants/events.js";
import { record } from "./fixtures.js";

const event = (identity: string): ParticipantEvent => ({ cause: "updated", participant: record(identity) });

describe("in-process events", () => {
  it("delivers to the participant's subscribers and to subscribe-all, and stops after unsubscribe", async () => {
    const bus = createInProcessEvents();
    const got: string[] = [];
    const offA = bus.subscribe("r1", "a", (e) => got.push(`a:${e.participant.identity}`));
    bus.subscribe("r1", "b", (e) => got.push(`b:${e.participant.identity}`));
    const offAll = bus.subscribeAll((e) => got.push(`all:${e.participant.identity}`));
    await bus.publish(event("a"));
    offA();
    offA();
    offAll();
    await bus.publish(event("a"));
    await bus.publish(event("b"));
    expect(got).toEqual(["a:a", "all:a", "b:b"]);
  });

  it("keeps delivering when a listener throws", async () => {
    const bus = createInProcessEvents();
    const got: string[] = [];
    bus.subscribe("r1", "a", () => {
      throw new Error("boom");
    });
    bus.subscribe("r1", "a", () => got.push("second"));
    await expect(bus.publish(event("a"))).resolves.toBeUndefined();
    expect(got).toEqual(["second"]);
  });

  it("does not confuse rooms and identities that concatenate alike", async () => {
    const bus = createInProcessEvents();
    const got: string[] = [];
    bus.subscribe("r1a", "b", () => got.push("wrong"));
    await bus.publish({ cause: "joined", participant: record("ab", { room: "r1" }) });
    expect(got).toEqual([]);
  });

  it("delivers revocation notices to their own subscribers only, past a throwing one, until unsubscribed", async () => {
    const bus = createInProcessEvents();
    const got: string[] = [];
    bus.subscribe("r1", "a", () => got.push("watcher"));
    bus.subscribeAll(() => got.push("all"));
    bus.subscribeRevocations(() => {
      throw new Error("boom");
    });
    const off = bus.subscribeRevocations((n) => got.push(`revoked:${n.identity}:${n.revokedThrough}`));
    await expect(bus.publishRevocation({ room: "r1", identity: "a", revokedThrough: 7 })).resolves.toBeUndefined();
    off();
    await bus.publishRevocation({ room: "r1", identity: "a", revokedThrough: 8 });
    expect(got).toEqual(["revoked:a:7"]);
  });
});

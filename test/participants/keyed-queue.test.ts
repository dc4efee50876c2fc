import { describe, expect, it } from "vitest";
import { createKeyedQueue } from "../../src/participants/keyed-queue.js";

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe("keyed queue", () => {
  it("runs tasks of one key one at a time in arrival order, and other keys alongside", async () => {
    const q = createKeyedQueue();
    const log: string[] = [];
    const g = gate();
    const a1 = q.run("a", async () => {
      log.push("a1 start");
      await g.opened;
      log.push("a1 end");
      return 1;
    });
    const a2 = q.run("a", async () => void log.push("a2"));
    const b = q.run("b", async () => void log.push("b"));
    await b;
    expect(log).toEqual(["a1 start", "b"]);
    g.open();
    expect(await a1).toBe(1);
    await a2;
    expect(log).toEqual(["a1 start", "b", "a1 end", "a2"]);
  });

  it("a failed task fails alone; the next one of its key still runs", async () => {
    const q = createKeyedQueue();
    const failed = q.run("a", async () => {
      throw new Error("boom");
    });
    const next = q.run("a", async () => "ran");
    await expect(failed).rejects.toThrow("boom");
    expect(await next).toBe("ran");
  });
});

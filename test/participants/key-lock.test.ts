import { expect, it } from "vitest";
import { createKeyLock } from "../../src/participants/key-lock.js";

const tick = () => new Promise((r) => setTimeout(r, 5));

it("runs tasks of one key one at a time, in call order, and a failed task does not block the next", async () => {
  const lock = createKeyLock();
  const order: string[] = [];
  const task = (name: string, fail = false) => async () => {
    order.push(`${name} start`);
    await tick();
    order.push(`${name} end`);
    if (fail) throw new Error(name);
    return name;
  };
  const results = await Promise.allSettled([lock.run("k", task("a")), lock.run("k", task("b", true)), lock.run("k", task("c"))]);
  expect(order).toEqual(["a start", "a end", "b start", "b end", "c start", "c end"]);
  expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
});

it("runs tasks of different keys concurrently", async () => {
  const lock = createKeyLock();
  const order: string[] = [];
  const task = (name: string) => async () => {
    order.push(`${name} start`);
    await tick();
    order.push(`${name} end`);
  };
  await Promise.all([lock.run("x", task("x")), lock.run("y", task("y"))]);
  expect(order.slice(0, 2)).toEqual(["x start", "y start"]);
});

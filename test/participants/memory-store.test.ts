import { createMemoryParticipantStore } from "../../src/participants/memory-store.js";
import { describeStoreContract } from "./store-contract.js";

describeStoreContract("memory store", async () => {
  const store = createMemoryParticipantStore();
  return { store, cleanup: () => store.close() };
});

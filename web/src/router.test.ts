import { describe, expect, it } from "vitest";
import { parseRoute } from "./router";

describe("parseRoute: the market's pages", () => {
  it.each([
    ["#/market", { page: "market" }],
    ["#/market?q=lenet&page=2", { page: "market" }],
    ["#/market/4cf6ca4c-00b4", { page: "marketModel", id: "4cf6ca4c-00b4" }],
    ["#/u/alice", { page: "profile", name: "alice" }],
    ["#/u/al%20ice", { page: "profile", name: "al ice" }],
    ["#/account", { page: "account" }],
    ["#/u", { page: "editor", modelId: null }],
  ])("%s", (hash, route) => expect(parseRoute(hash)).toEqual(route));
});

// The market's query string: only what is set, counts typed the way the editor shows them.
import { describe, expect, it } from "vitest";
import { EMPTY_QUERY, marketSearch, parseCount, queryFromHash, queryToHash, type MarketQuery } from "./market";

const qs = (patch: Partial<typeof EMPTY_QUERY>) => Object.fromEntries(marketSearch({ ...EMPTY_QUERY, ...patch }));

describe("marketSearch", () => {
  it("sends only the page when nothing is set (the server picks the sort)", () => {
    expect(qs({})).toEqual({ page: "1", page_size: "24" });
  });

  it("sends every filter that is set", () => {
    expect(qs({ q: "  lenet bn ", task: "classification", dataset: "MNIST", minParams: "10k", maxParams: "1.5M", verified: true, sort: "trending", page: 3 })).toEqual({
      q: "lenet bn", task: "classification", dataset: "MNIST", min_params: "10000", max_params: "1500000", verified: "true", sort: "trending", page: "3", page_size: "24",
    });
  });

  it("leaves out a parameter bound that is not a count yet", () => {
    expect(qs({ minParams: "1.2x", maxParams: "abc" })).toEqual({ page: "1", page_size: "24" });
  });

  it("encodes the search text", () => {
    expect(marketSearch({ ...EMPTY_QUERY, q: "a&b=c" }).toString()).toContain("q=a%26b%3Dc");
  });

  it("never asks for page 0", () => {
    expect(qs({ page: 0 }).page).toBe("1");
  });
});

describe("parseCount", () => {
  it.each([
    ["1000", 1000], ["1,000", 1000], ["50k", 50_000], ["1.5M", 1_500_000], ["2g", 2_000_000_000], ["3e6", 3_000_000], [" 7 K ", 7000],
  ])("%s -> %d", (text, n) => expect(parseCount(text)).toBe(n));

  it.each(["", "k", "-5", "1.2x", "one"])("%j is not a count", (text) => expect(parseCount(text)).toBeNull());
});

describe("the market's URL", () => {
  it("holds only what is set", () => {
    expect(queryToHash(EMPTY_QUERY)).toBe("");
    expect(queryToHash({ ...EMPTY_QUERY, q: "le net", page: 2 })).toBe("q=le+net&page=2");
  });

  it("round-trips every filter", () => {
    const q: MarketQuery = { q: "a&b", task: "regression", dataset: "MNIST", minParams: "10k", maxParams: "2M", verified: true, sort: "forks", page: 3 };
    expect(queryFromHash(new URLSearchParams(queryToHash(q)))).toEqual(q);
  });

  it("ignores what it does not know", () => {
    expect(queryFromHash(new URLSearchParams("sort=random&page=-4&verified=yes"))).toEqual(EMPTY_QUERY);
  });
});

import { describe, expect, it } from "vitest";
import type { SavedModelSummary } from "../api/types";
import { shownModels, thumbnailUrl } from "./ModelsPage";

const m = (id: number, name: string, extra: Partial<SavedModelSummary> = {}): SavedModelSummary => ({
  id, name, description: "", updated_at: `2026-01-0${id}T00:00:00Z`, created_at: `2026-01-0${10 - id}T00:00:00Z`, ...extra,
});
const models = [m(1, "LeNet_bn", { description: "CIFAR10 cats and dogs", star_count: 3 }), m(2, "resnet small"), m(3, "MLP 10", { star_count: 1 }), m(4, "MLP 2")];
const names = (list: SavedModelSummary[]) => list.map((x) => x.name);

describe("shownModels", () => {
  it("sorts by last update (newest first), name (numbers in order), creation and stars", () => {
    expect(names(shownModels(models, "", "updated"))).toEqual(["MLP 2", "MLP 10", "resnet small", "LeNet_bn"]);
    expect(names(shownModels(models, "", "name"))).toEqual(["LeNet_bn", "MLP 2", "MLP 10", "resnet small"]);
    expect(names(shownModels(models, "", "created"))).toEqual(["LeNet_bn", "resnet small", "MLP 10", "MLP 2"]);
    expect(names(shownModels(models, "", "stars"))).toEqual(["LeNet_bn", "MLP 10", "MLP 2", "resnet small"]);
  });
  it("keeps the models whose name or description holds every word, in any case", () => {
    expect(names(shownModels(models, "mlp", "name"))).toEqual(["MLP 2", "MLP 10"]);
    expect(names(shownModels(models, "  cats LENET ", "name"))).toEqual(["LeNet_bn"]);
    expect(shownModels(models, "mlp cats", "name")).toEqual([]);
  });
  it("does not reorder the list it was given", () => {
    shownModels(models, "", "name");
    expect(names(models)).toEqual(["LeNet_bn", "resnet small", "MLP 10", "MLP 2"]);
  });
});

describe("thumbnailUrl", () => {
  it("turns the server's SVG into an image URL and keeps an older PNG data URL", () => {
    expect(thumbnailUrl("<svg xmlns='http://www.w3.org/2000/svg'></svg>")).toMatch(/^data:image\/svg\+xml;charset=utf-8,%3Csvg/);
    expect(thumbnailUrl("data:image/png;base64,AAAA")).toBe("data:image/png;base64,AAAA");
  });
});

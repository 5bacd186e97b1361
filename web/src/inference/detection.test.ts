import { describe, expect, it } from "vitest";
import { boxColor, visibleBoxes } from "./detection";

const box = (score: number, index = 1) => ({ box: [0, 0, 1, 1], index, label: `c${index}`, score });

describe("detection view", () => {
  it("keeps the boxes at or above the threshold, best first", () => {
    const shown = visibleBoxes([box(0.2), box(0.9), box(0.5), box(0.49)], 0.5);
    expect(shown.map((b) => b.score)).toEqual([0.9, 0.5]);
    expect(visibleBoxes([box(0.2)], 0)).toHaveLength(1);
    expect(visibleBoxes([box(0.2)], 1)).toHaveLength(0);
  });
  it("gives each class its own colour", () => {
    expect(boxColor(1)).not.toEqual(boxColor(2));
    expect(boxColor(1)).toEqual(boxColor(9));
  });
});

// Pure helpers of the detection view (tested in detection.test.ts).
import type { DetectedBox } from "./api";

const COLORS = ["#ef4444", "#2563eb", "#16a34a", "#d97706", "#9333ea", "#0891b2", "#db2777", "#65a30d"];

/** A class's colour: label 1 the first (0 is the background, never a box). */
export const boxColor = (index: number) => COLORS[(Math.max(1, index) - 1) % COLORS.length];

/** The boxes at or above the threshold, best first. */
export function visibleBoxes(boxes: DetectedBox[], threshold: number): DetectedBox[] {
  return boxes.filter((b) => (b.score ?? 0) >= threshold).sort((a, b) => (b.score ?? 0) - (a.score ?? 0));
}

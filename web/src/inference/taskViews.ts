// The answer's view per task: a task missing here shows the top-k classes or the output values
// (Results.tsx's TopK). Each task adds its entry.
import type { ComponentType } from "react";
import type { Prediction } from "./api";
import { DetectionView } from "./DetectionView";

export const TASK_VIEWS: Partial<Record<Prediction["task"], ComponentType<{ p: Prediction }>>> = {
  detection: DetectionView,
};

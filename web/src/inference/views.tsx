// Which view answers a prediction: one component per task, chosen here and nowhere else. A task
// without its own view gets the top-k bars (classification) or the output values (regression).
import type { ComponentType } from "react";
import type { Prediction } from "./api";
import { DetectionView } from "./DetectionView";
import { TopK } from "./Results";
import { SegmentationView } from "./SegmentationView";

export interface PredictionViewProps {
  p: Prediction;
}

export const PREDICTION_VIEWS: Partial<Record<Prediction["task"], ComponentType<PredictionViewProps>>> = {
  segmentation: SegmentationView,
  detection: DetectionView,
};

export function PredictionView({ p }: PredictionViewProps) {
  const View = PREDICTION_VIEWS[p.task] ?? TopK;
  return <View p={p} />;
}

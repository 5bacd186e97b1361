// Which datasets fit the model's input, and which loss fits a dataset's task: derived from the
// catalog (each loss's `task`), never from a list of names. Pure: tested in suggest.test.ts.
import type { DatasetSpec, LossSpec, Shape } from "../api/types";

const sameDims = (a: number[] | undefined, b: Shape) => !!a && a.length === b.length && a.every((d, k) => d === b[k]);

/** A data set that reads your own files (an upload, chosen by its id): it cannot be offered as a
 *  one-click alternative, there is nothing to read until you upload and choose one. */
export const readsUploads = (d: Pick<DatasetSpec, "params">): boolean => d.params.some((p) => p.name === "dataset");

export interface Suggestion { type: string; title: string; note: string; loss: string | null }

/** Whether a loss fits a dataset's task, as LossSpec.supports decides on the server (the shared
 *  table tests/shared/loss_fit.json keeps the two equal). No task: anything fits. */
export const lossSuits = (loss: Pick<LossSpec, "task" | "pixelwise"> | undefined, task: string | undefined): boolean =>
  // "any": a loss on the model's output tensor, for classification or regression; a detector's loss is its own.
  !task ||
  (!!loss &&
    (task === "segmentation"
      ? !!loss.pixelwise
      : loss.task === task || (loss.task === "any" && (task === "classification" || task === "regression"))));

/**
 * The loss to switch to when `loss` does not suit the dataset's task: the first catalog loss that
 * does (the catalog lists the common ones first: CrossEntropyLoss, then MSELoss). Null when the
 * current one suits, e.g. BCEWithLogitsLoss on a classification dataset.
 */
export function lossFor(losses: Record<string, LossSpec>, loss: string, task: string | undefined): string | null {
  if (lossSuits(losses[loss], task)) return null;
  return Object.values(losses).find((l) => lossSuits(l, task))?.type ?? null;
}

/**
 * Datasets whose samples have the input node's shape (without the batch dimension), those that
 * need no download and whose class count matches the model's output first. `loss` is the loss to
 * switch to when the current one does not suit the dataset's task.
 */
export function suggestDatasets(
  datasets: Record<string, DatasetSpec>, losses: Record<string, LossSpec>, input: Shape | undefined, output: Shape | undefined, loss: string,
): Suggestion[] {
  if (!input) return [];
  const sample = input.slice(1);
  const classes = output && output.length === 2 && typeof output[1] === "number" ? output[1] : null;
  const fits = Object.values(datasets).filter((d) => !readsUploads(d) && sameDims(d.sample_shape, sample));
  const score = (d: DatasetSpec) => (d.offline ? 2 : 0) + (classes !== null && d.num_classes === classes ? 1 : 0);
  return fits
    .sort((a, b) => score(b) - score(a))
    .slice(0, 3)
    .map((d) => {
      const bits = [d.num_classes ? `${d.num_classes} classes` : d.task ?? "", d.offline ? "offline" : "downloads"];
      return { type: d.type, title: d.title || d.type, note: bits.filter(Boolean).join(", "), loss: lossFor(losses, loss, d.task) };
    });
}

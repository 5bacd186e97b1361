// Training config: dataset, augmentation, loss, optimizer, scheduler and the run settings.
import type { TrainingConfig } from "../api/types";
import { setTraining } from "../store/actions";
import { trainingChoices } from "../store/defaults";
import { useDoc } from "../store/doc";
import { AugmentPreview } from "./AugmentPreview";
import { ChoiceForm } from "./ChoiceForm";
import { DatasetsSection } from "../datasets/DatasetsSection";
import { DownloadNote } from "./DownloadNote";
import { TransformList } from "./TransformList";
import { FrozenLayers, InitialWeights } from "./WeightsSection";
import { WarningList } from "./TrainingWarnings";
import { useWarnings } from "../canvas/WarningChip";

function NumberField({ name, label = name, title, value, int, onChange }: { name: string; label?: string; title?: string; value: number; int?: boolean; onChange: (v: number) => void }) {
  return (
    <div className="tc-field" title={title}>
      <label><span className="tc-field-name">{label}</span></label>
      <input
        key={value}
        type="number"
        step={int ? 1 : "any"}
        defaultValue={value}
        data-testid={`training-${name}`}
        onBlur={(e) => {
          const v = int ? parseInt(e.target.value, 10) : parseFloat(e.target.value);
          if (Number.isFinite(v) && v !== value) onChange(v);
          else e.target.value = String(value);
        }}
        onKeyDown={(e) => e.key === "Enter" && (e.target as HTMLInputElement).blur()}
      />
    </div>
  );
}

export function TrainingPanel() {
  const t = useDoc((s) => s.doc.training);
  const set = (p: Partial<TrainingConfig>) => setTraining(p);
  const warnings = useWarnings();
  return (
    <div className="tc-training" data-testid="training-panel">
      <WarningList warnings={warnings} field="other" />
      <h4>Dataset</h4>
      <WarningList warnings={warnings} field="dataset" />
      <DatasetsSection />
      <ChoiceForm kind="datasets" value={t.dataset} testId="dataset" onChange={(c) => c && set({ dataset: c })} />
      <DownloadNote />
      <h4>Augmentation (training split)</h4>
      <TransformList />
      <AugmentPreview />
      <h4>Loss</h4>
      <WarningList warnings={warnings} field="loss" />
      <ChoiceForm kind="losses" value={t.loss} testId="loss" onChange={(c) => c && set({ loss: c })} />
      <h4>Optimizer</h4>
      <ChoiceForm kind="optimizers" value={t.optimizer} testId="optimizer" onChange={(c) => c && set({ optimizer: c })} />
      <h4>Scheduler</h4>
      <ChoiceForm kind="schedulers" value={t.scheduler} optional testId="scheduler" onChange={(c) => set({ scheduler: c })} />
      <h4>Run</h4>
      <div className="tc-grid2">
        <NumberField name="epochs" int value={t.epochs} onChange={(epochs) => set({ epochs })} />
        <NumberField name="batch_size" int value={t.batch_size} onChange={(batch_size) => set({ batch_size })} />
        <NumberField name="lr" value={t.lr} onChange={(lr) => set({ lr })} />
        <NumberField name="seed" label="random seed" title="The same seed gives the same initial weights and data order: runs that differ only in it show the noise" int value={t.seed} onChange={(seed) => set({ seed })} />
      </div>
      <div className="tc-field">
        <label><span className="tc-field-name">device</span></label>
        <select value={t.device} onChange={(e) => set({ device: e.target.value as TrainingConfig["device"] })} data-testid="training-device">
          {trainingChoices("device").map((d) => <option key={d} value={d}>{d}</option>)}
        </select>
      </div>
      <h4>Initial weights</h4>
      <InitialWeights />
      <h4>Frozen layers</h4>
      <WarningList warnings={warnings} field="freeze" />
      <FrozenLayers />
    </div>
  );
}

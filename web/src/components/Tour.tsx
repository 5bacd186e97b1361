// A guided first model: popovers anchored to parts of the editor (data-tour attributes).
import { useEffect, useState } from "react";
import { setTab, setTourStep, useUi } from "../store/ui";

const STEPS: { target: string; title: string; text: string; onEnter?: () => void }[] = [
  { target: "palette", title: "1. The palette", text: "Every PyTorch layer, by category. Search it: type “conv”, then press Enter to add Conv2d." },
  { target: "canvas", title: "2. The canvas", text: "Drag layers here. Connect a node's bottom handle (output) to another's top handle (input). Each edge shows the tensor shape it carries." },
  { target: "canvas", title: "3. Live shapes", text: "Shapes are checked on every edit. A node in error turns red and says why; select it to see the fix." },
  { target: "tabs", title: "4. Edit params", text: "Click a node to edit its parameters here. Params like in_channels are inferred (auto) from the input shape.", onEnter: () => setTab("params") },
  { target: "tabs", title: "5. See the code", text: "The Code tab shows model.py and train.py, regenerated as you edit. Download them as a zip.", onEnter: () => setTab("code") },
  { target: "topbar", title: "6. Save", text: "Name your model and press Save (Ctrl+S). Press ? any time for keyboard shortcuts." },
];

export function Tour() {
  const step = useUi((s) => s.tourStep);
  const [rect, setRect] = useState<DOMRect | null>(null);
  const s = step === null ? null : STEPS[step];
  useEffect(() => {
    if (!s) return;
    s.onEnter?.();
    const el = document.querySelector(`[data-tour="${s.target}"]`);
    setRect(el ? el.getBoundingClientRect() : null);
  }, [s]);
  if (step === null || !s) return null;
  const last = step === STEPS.length - 1;
  const pos = rect
    ? { top: Math.min(window.innerHeight - 200, rect.top + 16), left: Math.min(window.innerWidth - 340, Math.max(8, rect.left + 16)) }
    : { top: 80, left: 80 };
  return (
    <>
      {rect && <div className="tc-tour-ring" style={{ top: rect.top, left: rect.left, width: rect.width, height: rect.height }} />}
      <div className="tc-tour" style={pos} data-testid="tour" data-step={step}>
        <h4>{s.title}</h4>
        <p>{s.text}</p>
        <div className="tc-row">
          <button className="link" onClick={() => setTourStep(null)} data-testid="tour-skip">Skip</button>
          <span className="spacer" />
          {step > 0 && <button onClick={() => setTourStep(step - 1)} data-testid="tour-back">Back</button>}
          <button className="primary" onClick={() => setTourStep(last ? null : step + 1)} data-testid="tour-next">{last ? "Done" : "Next"}</button>
        </div>
      </div>
    </>
  );
}

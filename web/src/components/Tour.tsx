// A guided first model: popovers anchored to parts of the editor (data-tour attributes).
import { useEffect, useRef, useState } from "react";
import type { Body } from "../api/types";
import { currentBody, useDoc } from "../store/doc";
import { setTab, setTourStep, useUi } from "../store/ui";

const layerParams = (b: Body) => JSON.stringify(b.nodes.map((n) => (n.kind === "layer" ? n.params : null)));

// `done` moves the tour on by itself once the user has done what the step asks.
const STEPS: { target: string; title: string; text: string; onEnter?: () => void; done?: (now: Body, then: Body) => boolean }[] = [
  {
    target: "palette", title: "1. The palette",
    text: "Every PyTorch layer, by category. Search it: type “conv”, then press Enter to add Conv2d (or drag it onto the canvas).",
    done: (now, then) => now.nodes.length > then.nodes.length,
  },
  {
    target: "canvas", title: "2. Connect",
    text: "Drag from a node's bottom handle (output) to another's top handle (input): connect the input x to your new layer. Each edge shows the tensor shape it carries.",
    done: (now, then) => now.edges.length > then.edges.length,
  },
  {
    target: "canvas", title: "3. Live shapes",
    text: "Shapes are checked on every edit. A node in error turns red and says why: the output y has no input yet. Connect your layer's output to y.",
    done: (now, then) => now.edges.length > then.edges.length,
  },
  {
    target: "tabs", title: "4. Edit params",
    text: "Click a node to edit its parameters here: try out_channels. Params like in_channels are inferred (auto) from the input shape.",
    onEnter: () => setTab("params"),
    done: (now, then) => layerParams(now) !== layerParams(then),
  },
  { target: "tabs", title: "5. See the code", text: "The Code tab shows model.py and train.py, regenerated as you edit. Download them as a zip.", onEnter: () => setTab("code") },
  { target: "topbar", title: "6. Save", text: "Name your model and press Save (Ctrl+S). Press ? any time for keyboard shortcuts." },
];

export function Tour() {
  const step = useUi((s) => s.tourStep);
  const [rect, setRect] = useState<DOMRect | null>(null);
  const s = step === null ? null : STEPS[step];
  const baseline = useRef<Body | null>(null);
  useEffect(() => {
    if (!s || step === null) return;
    baseline.current = currentBody(useDoc.getState());
    const done = s.done;
    if (!done) return;
    return useDoc.subscribe((d) => {
      if (baseline.current && done(currentBody(d), baseline.current)) setTimeout(() => setTourStep(step + 1), 400);
    });
  }, [s, step]);
  useEffect(() => {
    if (!s) return;
    s.onEnter?.();
    const el = document.querySelector(`[data-tour="${s.target}"]`);
    setRect(el ? el.getBoundingClientRect() : null);
  }, [s]);
  if (step === null || !s) return null;
  const last = step === STEPS.length - 1;
  // Beside a narrow target (palette, side panel) so that it stays usable; inside a wide one.
  const pos = !rect
    ? { top: 80, left: 80 }
    : rect.width < 420
      ? { top: rect.top + 16, left: rect.left < window.innerWidth / 2 ? rect.right + 12 : rect.left - 332 }
      : { top: Math.min(window.innerHeight - 220, rect.top + 16), left: Math.max(8, rect.left + 16) };
  return (
    <>
      {rect && <div className="tc-tour-ring" style={{ top: rect.top, left: rect.left, width: rect.width, height: rect.height }} />}
      <div className="tc-tour" style={pos} data-testid="tour" data-step={step}>
        <h4>{s.title}</h4>
        <p>{s.text}</p>
        {s.done && <p className="muted small">This step moves on when you have done it.</p>}
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

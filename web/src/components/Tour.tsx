// A guided first model: popovers anchored to parts of the editor (data-tour attributes).
import { useEffect, useRef, useState } from "react";
import type { Body } from "../api/types";
import { useCatalog } from "../store/catalog";
import { currentBody, useDoc } from "../store/doc";
import { setTab, setTourStep, useUi } from "../store/ui";

const layerParams = (b: Body) => JSON.stringify(b.nodes.map((n) => (n.kind === "layer" ? n.params : null)));
/** A node of `type` with an edge into it. */
const wired = (b: Body, type: string) =>
  b.nodes.some((n) => n.kind === "layer" && n.type === type && b.edges.some((e) => e.target.node === n.id));
const outputFed = (b: Body) => b.nodes.some((n) => n.kind === "output" && b.edges.some((e) => e.target.node === n.id));

/** The open model's dataset as the Training tab names it, and its class count. */
function dataset(): { title: string; classes: number | null } {
  const type = useDoc.getState().doc.training.dataset.type;
  const spec = useCatalog.getState().catalog?.datasets[type];
  return { title: spec?.title || type, classes: spec?.num_classes ?? null };
}

// `done` moves the tour on by itself once the user has done what the step asks. Followed to the
// letter on a new model, the steps build x -> Conv2d -> Flatten -> Linear -> y, a classifier for
// the new model's dataset that trains (tests/e2e/test_first_hour.py follows them).
const STEPS: { target: string; title: string; text: () => string; onEnter?: () => void; done?: (now: Body, then: Body) => boolean }[] = [
  {
    target: "palette", title: "1. The palette",
    text: () => "Every PyTorch layer, by category. Search it: type “conv”, then press Enter to add Conv2d (or drag it onto the canvas).",
    done: (now, then) => now.nodes.length > then.nodes.length,
  },
  {
    target: "canvas", title: "2. Connect",
    text: () => "Drag from a node's bottom handle (output) to another's top handle (input): connect the input x to your Conv2d. Each edge shows the tensor shape it carries.",
    done: (now, then) => now.edges.length > then.edges.length,
  },
  {
    target: "palette", title: "3. A classifier head",
    text: () => "Click your Conv2d, then search “flatten” and press Enter, then “linear” and Enter. A layer added from the palette lands below the selected one, already connected.",
    done: (now, then) => wired(now, "Linear") && !wired(then, "Linear"),
  },
  {
    target: "canvas", title: "4. Live shapes",
    text: () => "Shapes are checked on every edit. A node in error turns red and says why: the output y has no input yet. Connect the Linear's output to y.",
    done: (now, then) => outputFed(now) && !outputFed(then),
  },
  {
    target: "tab-params", title: "5. Edit params",
    text: () => {
      const d = dataset();
      const classes = d.classes ? `${d.classes} classes, so the model must give ${d.classes} scores` : "its own targets";
      return `The model trains on ${d.title} (Training tab): ${classes}. Click the Linear and set out_features to ${d.classes ?? "fit them"}. in_features is inferred (auto) from its input.`;
    },
    onEnter: () => setTab("params"),
    done: (now, then) => layerParams(now) !== layerParams(then),
  },
  {
    target: "tab-code", title: "6. See the code",
    text: () => "The Code tab shows model.py and train.py, regenerated as you edit. Download them as a zip.",
    onEnter: () => setTab("code"),
  },
  {
    target: "train", title: "7. Train and save",
    text: () => "Press Train to train this model here and watch its curves. Save (Ctrl+S) keeps it with its runs. Press ? any time for keyboard shortcuts.",
  },
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
    // Follow the target: a step's onEnter (a tab switch) or a window resize moves it after this
    // first render, and a ring measured once would then frame the wrong thing.
    const measure = () => {
      const el = document.querySelector(`[data-tour="${s.target}"]`);
      const r = el ? el.getBoundingClientRect() : null;
      setRect((old) => (old && r && ["x", "y", "width", "height"].every((k) => old[k as "x"] === r[k as "x"]) ? old : r));
    };
    const frame = requestAnimationFrame(measure);
    const timer = setInterval(measure, 250);
    return () => (cancelAnimationFrame(frame), clearInterval(timer));
  }, [s]);
  if (step === null || !s) return null;
  const last = step === STEPS.length - 1;
  // Beside a narrow target (palette, side panel) so that it stays usable; inside a wide one.
  // Below a button of the top bar, so that the bar stays readable.
  const pos = !rect
    ? { top: 80, left: 80 }
    : rect.bottom <= 60
      ? { top: rect.bottom + 10, left: Math.max(8, Math.min(window.innerWidth - 330, rect.left + rect.width / 2 - 160)) }
      : rect.width < 420
        ? { top: rect.top + 16, left: rect.left < window.innerWidth / 2 ? rect.right + 12 : rect.left - 332 }
        : { top: Math.min(window.innerHeight - 220, rect.top + 16), left: Math.max(8, rect.left + 16) };
  return (
    <>
      {rect && <div className="tc-tour-ring" style={{ top: rect.top, left: rect.left, width: rect.width, height: rect.height }} />}
      <div className="tc-tour" style={pos} data-testid="tour" data-step={step}>
        <h4>{s.title}</h4>
        <p>{s.text()}</p>
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

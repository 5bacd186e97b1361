// Templates gallery (seed models first) and the guided tour.
import { useEffect, useState } from "react";
import { api } from "../api/client";
import type { Graph, Template } from "../api/types";
import { laidOut, prewarmLayout, readableBody } from "../graph/layout";
import { estimatedSizes } from "../canvas/nodeSize";
import { useCatalog } from "../store/catalog";
import { emptyGraph } from "../store/doc";
import { replaceDocument } from "../store/replace";
import { setTourStep } from "../store/ui";
import { navigate } from "../router";
import { ZooImport } from "./ZooImport";

const seedFirst = (a: Template, b: Template) =>
  Number(b.name.startsWith("seed_")) - Number(a.name.startsWith("seed_")) || a.title.localeCompare(b.title);

export function QuickStartPage() {
  const [templates, setTemplates] = useState<Template[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    prewarmLayout(); // a template may be laid out on open: ELK's worker is ready by the click
    api.templates().then((t) => setTemplates([...t].sort(seedFirst)), (e: Error) => setError(e.message));
  }, []);
  const openGraph = async (graph: Graph, name: string, relayout: boolean, what: string) => {
    // A template stored as one long column (LeNet: 17 nodes) would fit the canvas only at a zoom
    // where nothing is readable: lay it out in columns for this window (the palette and side
    // panel take about 560 px of its width). An imported model's rows are spaced for the
    // server's guess of a node's size: laid out here, with the editor's own.
    const view = { width: Math.max(400, window.innerWidth - 560), height: Math.max(300, window.innerHeight - 45) };
    // Laid out with each node's own height (a Conv2d with three lines of params is twice a
    // ReLU's), so that every shape label has its gap between two nodes.
    const sizes = estimatedSizes(graph.nodes, useCatalog.getState().catalog?.layers);
    const body = await (relayout ? laidOut(graph, view, sizes) : readableBody(graph, view, sizes));
    if (await replaceDocument({ ...body, name: graph.name ?? name }, what)) navigate("#/");
  };
  const open = (t: Template) => void openGraph(t.graph, t.title, false, `the template “${t.title}”`);
  const fresh = async (what: string, tour: boolean) => {
    if (!(await replaceDocument(emptyGraph(), what))) return;
    navigate("#/");
    if (tour) setTourStep(0);
  };
  return (
    <div className="tc-page" data-testid="quickstart-page">
      <header className="tc-page-head">
        <a className="tc-logo" href="#/">torch<b>canvas</b></a>
        <h2>Quick start</h2>
        <span className="spacer" />
        <a href="#/models">My models</a>
      </header>
      <section className="tc-hero">
        <div>
          <h3>New here?</h3>
          <p>Take the two-minute tour: add a layer, connect it, edit its params and see the generated PyTorch code.</p>
        </div>
        <button className="primary" data-testid="quickstart-tour" onClick={() => void fresh("the guided tour's new model", true)}>Start the guided tour</button>
        <button data-testid="quickstart-blank" onClick={() => void fresh("a blank model", false)}>Blank model</button>
      </section>
      <section className="tc-hero tc-hero-lab">
        <div>
          <h3>Regularization</h3>
          <p>The lab: weight decay, dropout, batch normalization and the other normalization layers, each with a one-click experiment.</p>
        </div>
        <button className="primary" data-testid="quickstart-lab" onClick={() => navigate("#/lab")}>Open the lab</button>
      </section>
      <ZooImport onOpen={(g) => void openGraph(g, "imported", true, `the imported model “${g.name ?? "imported"}”`)} />
      <h3>Templates</h3>
      {error && <div className="tc-error-box">{error}</div>}
      {!templates && !error && <div className="muted pad">Loading…</div>}
      <div className="tc-cards">
        {templates?.map((t) => (
          <button className="tc-card tc-template" key={t.name} onClick={() => open(t)} data-testid={`template-${t.name}`}>
            <b>{t.title}</b>
            {t.name.startsWith("seed_") && <span className="tc-badge" title="From the regularization tutorial the Lab follows">lab</span>}
            <span className="muted">{t.description}</span>
            <span className="muted small">{t.graph.nodes?.length ?? 0} nodes</span>
          </button>
        ))}
      </div>
    </div>
  );
}

// Params of the selected node: a form generated from its catalog spec.
import type { GraphNode, Issue, LayerNode, ModuleNode } from "../api/types";
import { formatShape } from "../graph/format";
import { parseShape } from "../graph/shape";
import { setDisplayName, setInputShape, setParam } from "../store/actions";
import { useLayerSpec } from "../store/catalog";
import { issueLevel, useCheck, useNodeResult } from "../store/check";
import { DocText } from "./DocText";
import { currentBody, useDoc } from "../store/doc";
import { groupSelection, openModule, ungroup } from "../store/modules";
import { ParamField } from "./ParamField";

const NO_ISSUES: Issue[] = [];

function IssueList({ issues }: { issues: Issue[] }) {
  const edgeCount = useDoc((s) => currentBody(s).edges.length);
  if (!issues.length) return null;
  return (
    <ul className="tc-issues" data-testid="node-issues">
      {issues.map((e, i) => (
        <li key={i} className={issueLevel(e, edgeCount)}>
          {e.param && <b>{e.param}: </b>}
          {e.message}
          {e.fix && <div className="muted">Fix: {e.fix}</div>}
        </li>
      ))}
    </ul>
  );
}

/** What model.py calls the node, as the server's naming pass (the code's own) says. */
function CodeName({ node, attr, isOp }: { node: GraphNode; attr: string | undefined; isOp: boolean }) {
  if (!attr) return <>model.py names it once the check comes back (id: {node.id}).</>;
  if (node.kind === "input") return <>In model.py: the argument <code data-testid="node-attr">{attr}</code> of forward (id: {node.id}).</>;
  if (node.kind === "output" || isOp)
    return <>A label for the canvas and messages: model.py keeps no attribute for {node.kind === "output" ? "an output" : "this op"} (id: {node.id}).</>;
  return <>In model.py: <code data-testid="node-attr">self.{attr}</code> (id: {node.id}).</>;
}

function NameField({ node }: { node: GraphNode }) {
  const attr = useNodeResult(node.id)?.attr;
  const spec = useLayerSpec(node.kind === "layer" ? node.type : "");
  const isOp = node.kind === "layer" && !!spec?.is_op;
  return (
    <div className="tc-field">
      <label><span className="tc-field-name">Name</span></label>
      <input
        key={node.id + (node.name ?? "")}
        defaultValue={node.name ?? ""}
        placeholder={attr || node.id}
        data-testid="node-name"
        onBlur={(e) => e.target.value !== (node.name ?? "") && setDisplayName(node.id, e.target.value)}
        onKeyDown={(e) => e.key === "Enter" && (e.target as HTMLInputElement).blur()}
      />
      <div className="tc-field-doc" data-testid="node-code-name"><CodeName node={node} attr={attr} isOp={isOp} /></div>
    </div>
  );
}

function LayerForm({ node }: { node: LayerNode }) {
  const spec = useLayerSpec(node.type);
  const result = useNodeResult(node.id);
  if (!spec) return <div className="tc-error-box">Unknown layer type {node.type}.</div>;
  const errorFor = (name: string) => result?.errors.find((e) => e.param === name)?.message;
  return (
    <>
      <p className="tc-doc">
        <DocText text={spec.doc} /> {spec.torch && <code>{spec.torch}</code>}
      </p>
      {spec.params.length === 0 && <p className="muted">No parameters.</p>}
      {spec.params.map((p) => (
        <ParamField
          key={p.name}
          spec={p}
          value={node.params[p.name]}
          inferred={result?.inferred?.[p.name]}
          error={errorFor(p.name)}
          onChange={(v) => setParam(node.id, p.name, v)}
        />
      ))}
    </>
  );
}

function ModuleInfo({ node }: { node: ModuleNode }) {
  return (
    <div className="tc-row">
      <button onClick={() => openModule(node.module)} data-testid="open-module">Open {node.module}</button>
      <button onClick={() => ungroup(node.id)} data-testid="ungroup">Ungroup</button>
    </div>
  );
}

function NodeForm({ node }: { node: GraphNode }) {
  const result = useNodeResult(node.id);
  const other = (result?.errors ?? []).filter((e) => !e.param || node.kind !== "layer");
  return (
    <div data-testid="params-panel">
      <h3>
        {node.kind === "layer" ? node.type : node.kind === "module" ? `Module ${node.module}` : node.kind === "input" ? "Input" : "Output"}
      </h3>
      <NameField node={node} />
      {node.kind === "input" && (
        <div className="tc-field">
          <label><span className="tc-field-name">shape</span></label>
          <input
            key={node.shape.join(",")}
            defaultValue={node.shape.join(", ")}
            data-testid="param-shape"
            onBlur={(e) => {
              const s = parseShape(e.target.value);
              if (s) setInputShape(node.id, s);
              else e.target.value = node.shape.join(", ");
            }}
            onKeyDown={(e) => e.key === "Enter" && (e.target as HTMLInputElement).blur()}
          />
          <div className="tc-field-doc">Comma-separated; B is the batch dimension.</div>
        </div>
      )}
      {node.kind === "layer" && <LayerForm node={node} />}
      {node.kind === "module" && <ModuleInfo node={node} />}
      {result && (
        <div className="tc-kv">
          {Object.entries(result.outputs).map(([p, s]) => <div key={p}><span>out {p !== "out" ? p : ""}</span><code>{formatShape(s)}</code></div>)}
          {node.kind === "output" && <div><span>shape</span><code>{formatShape(result.inputs.in)}</code></div>}
          <div><span>params</span><code>{result.params.toLocaleString()}</code></div>
        </div>
      )}
      <IssueList issues={other} />
    </div>
  );
}

export function ParamsPanel() {
  const selectedIds = useDoc((s) => s.selected);
  const body = useDoc(currentBody);
  const ids = Object.keys(selectedIds);
  const issues = useCheck((s) => s.result?.issues ?? NO_ISSUES);
  if (ids.length === 1) {
    const node = body.nodes.find((n) => n.id === ids[0]);
    if (node) return <NodeForm key={node.id} node={node} />;
  }
  if (ids.length > 1)
    return (
      <div data-testid="params-panel">
        <h3>{ids.length} nodes selected</h3>
        <button onClick={() => groupSelection()} data-testid="group-selection">Group into module (Ctrl+G)</button>
      </div>
    );
  return (
    <div data-testid="params-panel" className="muted">
      <p>Select a node to edit its parameters.</p>
      {issues.length > 0 && (
        <>
          <h4>Issues</h4>
          <IssueList issues={issues} />
        </>
      )}
    </div>
  );
}

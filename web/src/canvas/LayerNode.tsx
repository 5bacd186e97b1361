// The one generic node for layers and module instances, driven by the catalog spec (or, for a
// module, by its definition's input/output nodes). It reads its own check result from the store,
// so a check re-renders only the nodes whose result changed.
//
// Every node has the same fixed width (styles.css), whatever its params or check result, so its
// handles never move sideways when a check comes back, and a column of nodes lines up.
import { useStore, type NodeProps } from "@xyflow/react";
import { memo, useMemo } from "react";
import type { Json, LayerNode as LayerDoc, LayerSpec, ModuleNode, Params } from "../api/types";
import { formatCount, formatShape, formatValue } from "../graph/format";
import { layerInputPorts, layerOutputPorts, modulePorts, withDefaults } from "../graph/ports";
import { useLayerSpec } from "../store/catalog";
import { useNodeResult } from "../store/check";
import { useDoc } from "../store/doc";
import { categoryColor, MODULE_COLOR } from "./colors";
import { PortRow } from "./Ports";
import type { GraphFlowNode } from "./types";
import { useGraphView } from "./viewContext";

const NONE = { inputs: [] as string[], outputs: [] as string[] };
/** Canvas.tsx LOD_ZOOM (not imported: Canvas imports this file). */
const farOut = (s: { transform: [number, number, number] }) => s.transform[2] < 0.3;

/**
 * `name=value` for each key param worth showing: an inferred param not known yet (upstream of
 * an error) reads "auto", and an unset optional one (MaxPool2d's stride=None means "the kernel
 * size") is left out rather than shown as None.
 */
export function keyParamTexts(spec: LayerSpec, params: Params, inferred: Params | undefined): string[] {
  const all = withDefaults(spec.params, params);
  const out: string[] = [];
  for (const k of spec.key_params) {
    const p = spec.params.find((x) => x.name === k);
    const v: Json | undefined = all[k] ?? inferred?.[k];
    if (v === undefined || v === null) {
      if (p?.infer) out.push(`${k}=auto`);
      continue;
    }
    out.push(`${k}=${formatValue(v)}`);
  }
  return out;
}

function LayerNodeView({ id, data, selected }: NodeProps<GraphFlowNode>) {
  const node = data.node as LayerDoc | ModuleNode;
  const spec = useLayerSpec(node.kind === "layer" ? node.type : undefined);
  const view = useGraphView();
  const docDef = useDoc((s) => (node.kind === "module" ? s.doc.modules.find((m) => m.name === node.module) : undefined));
  const def = view ? view.modules.find((m) => node.kind === "module" && m.name === node.module) : docDef;
  const result = useNodeResult(id);
  // Far out (a 1,000-node overview) a node is a coloured box with its handles, no text: nothing
  // to lay out or paint, and cheap to mount while panning brings nodes into view.
  const lod = useStore(farOut);

  const ports = useMemo(() => {
    if (node.kind === "module") return def ? modulePorts(def) : NONE;
    if (!spec) return { inputs: ["in"], outputs: ["out"] };
    return { inputs: layerInputPorts(spec, node.params), outputs: layerOutputPorts(spec, node.params) };
  }, [node, spec, def]);

  const keyParams = useMemo(
    () => (node.kind === "layer" && spec ? keyParamTexts(spec, node.params, result?.inferred) : []),
    [node, spec, result?.inferred],
  );

  const typeName = node.kind === "layer" ? node.type : node.module;
  const color = node.kind === "module" ? MODULE_COLOR : categoryColor(spec?.category);
  const errors = result?.errors ?? [];
  const firstOut = ports.outputs[0];
  const outShape = firstOut ? result?.outputs?.[firstOut] : undefined;
  const unknown = node.kind === "layer" ? !spec : !def;

  if (lod)
    return (
      <div className={`tc-node tc-node-box${selected ? " selected" : ""}${errors.length ? " error" : ""}`} style={{ "--cat": color } as React.CSSProperties} data-testid={`node-${id}`}>
        <PortRow nodeId={id} ports={ports.inputs} kind="in" />
        <PortRow nodeId={id} ports={ports.outputs} kind="out" />
      </div>
    );

  return (
    <div
      className={`tc-node${selected ? " selected" : ""}${errors.length ? " error" : ""}${node.kind === "module" ? " module" : ""}`}
      style={{ "--cat": color } as React.CSSProperties}
      data-testid={`node-${id}`}
      title={errors.map((e) => e.message).join("\n") || spec?.doc}
    >
      <PortRow nodeId={id} ports={ports.inputs} kind="in" />
      <div className="tc-node-head">
        <span className="tc-node-title" data-testid={`node-title-${id}`}>{node.name || id}</span>
        <span className="tc-node-type">{node.kind === "module" ? `◆ ${typeName}` : typeName}</span>
      </div>
      {keyParams.length > 0 && (
        <div className="tc-node-params">
          {keyParams.map((t) => <span key={t}>{t}</span>)}
        </div>
      )}
      <div className="tc-node-foot">
        <span className="tc-node-shape" data-testid={`node-shape-${id}`}>{formatShape(outShape)}</span>
        {result && result.params > 0 && (
          <span className="tc-node-count" data-testid={`node-params-${id}`}>{formatCount(result.params)} params</span>
        )}
      </div>
      {unknown && <div className="tc-node-error">unknown {node.kind === "layer" ? "layer" : "module"} {typeName}</div>}
      {errors.length > 0 && (
        // One line, cut with an ellipsis (a longer error would push the node over its neighbour);
        // the whole message is its tooltip, and the Params tab's.
        <div className="tc-node-error" data-testid={`node-error-${id}`} title={errors.map((e) => e.message).join("\n")}>{errors[0].message}</div>
      )}
      <PortRow nodeId={id} ports={ports.outputs} kind="out" />
    </div>
  );
}

export const LayerNode = memo(LayerNodeView);

// A catalog choice (dataset, loss, optimizer, scheduler, transform): a type select and its params.
import type { Choice, ChoiceKind } from "../api/types";
import { initialParams } from "../store/actions";
import { useCatalog } from "../store/catalog";
import { DocText } from "./DocText";
import { ParamField } from "./ParamField";

interface Props {
  kind: ChoiceKind;
  value: Choice | null;
  onChange: (c: Choice | null) => void;
  optional?: boolean;
  testId: string;
  showType?: boolean;
}

export function ChoiceForm({ kind, value, onChange, optional, testId, showType = true }: Props) {
  const specs = useCatalog((s) => s.catalog?.[kind]) ?? {};
  const spec = value ? specs[value.type] : undefined;
  const types = Object.keys(specs);
  return (
    <div className="tc-choice" data-testid={showType ? testId : undefined}>
      {showType && (
        <select
          value={value?.type ?? ""}
          data-testid={`${testId}-type`}
          onChange={(e) => onChange(e.target.value ? { type: e.target.value, params: initialParams(specs[e.target.value]) } : null)}
        >
          {(optional || !value) && <option value="">{optional ? "None" : "Choose…"}</option>}
          {value && !specs[value.type] && <option value={value.type}>{value.type}</option>}
          {types.map((t) => <option key={t} value={t}>{specs[t].title || t}</option>)}
        </select>
      )}
      {spec?.doc && <div className="tc-field-doc"><DocText text={spec.doc} /></div>}
      {value && spec?.params.map((p) => (
        <ParamField
          key={p.name}
          spec={p}
          value={value.params[p.name]}
          testPrefix={`${testId}-param`}
          onChange={(v) => {
            const params = { ...value.params };
            if (v === undefined) delete params[p.name];
            else params[p.name] = v;
            onChange({ ...value, params });
          }}
        />
      ))}
    </div>
  );
}

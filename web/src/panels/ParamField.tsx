// One form field generated from a ParamSpec. Used by the node params panel and the training forms.
import { memo, useEffect, useState } from "react";
import type { Json, ParamSpec } from "../api/types";
import { formatValue } from "../graph/format";
import { DocText, withoutDefault } from "./DocText";
import { parseParam, toText } from "./paramText";

interface Props {
  spec: ParamSpec;
  value: Json | undefined;
  inferred?: Json;
  error?: string;
  testPrefix?: string;
  onChange: (v: Json | undefined) => void;
}

function ParamFieldView({ spec, value, inferred, error, testPrefix = "param", onChange }: Props) {
  const tid = `${testPrefix}-${spec.name}`;
  const [draft, setDraft] = useState(toText(value));
  const [local, setLocal] = useState<string | null>(null);
  useEffect(() => {
    setDraft(toText(value));
    setLocal(null);
  }, [value]);

  const isAuto = !!spec.infer && (value === undefined || value === null);
  // The badge says "auto (400)"; the empty field only says what typing does.
  const badge = `auto${inferred !== undefined ? ` (${formatValue(inferred)})` : ""}`;
  const hasDefault = !spec.infer && spec.default !== null && spec.default !== undefined;
  const placeholder = spec.infer
    ? "auto: type a value to override"
    : spec.default !== null && spec.default !== undefined
      ? formatValue(spec.default)
      : spec.required ? "required" : "None";

  const commit = () => {
    const parsed = parseParam(spec, draft);
    if (!parsed.ok) return setLocal(parsed.error);
    setLocal(null);
    if (JSON.stringify(parsed.value) !== JSON.stringify(value)) onChange(parsed.value);
  };

  let input: React.ReactNode;
  if (spec.type === "bool") {
    const checked = (value ?? spec.default) === true;
    input = <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} data-testid={tid} />;
  } else if (spec.type === "enum") {
    const current = (value ?? spec.default ?? "") as string;
    input = (
      <select value={current === null ? "" : String(current)} onChange={(e) => onChange(e.target.value === "" ? null : e.target.value)} data-testid={tid}>
        {(spec.nullable || spec.default === null) && <option value="">None</option>}
        {(spec.choices ?? []).map((c) => <option key={c} value={c}>{c}</option>)}
      </select>
    );
  } else {
    input = (
      <input
        type="text"
        value={draft}
        placeholder={placeholder}
        className={local || error ? "invalid" : isAuto ? "auto" : ""}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => e.key === "Enter" && commit()}
        data-testid={tid}
        list={spec.choices?.length ? `${tid}-choices` : undefined}
      />
    );
  }

  const canReset = value !== undefined && spec.type !== "bool" && spec.type !== "enum";
  return (
    <div className="tc-field" data-testid={`field-${tid}`}>
      <label title={spec.doc}>
        <span className="tc-field-name">{spec.name}{spec.required && !spec.infer ? " *" : ""}</span>
        {isAuto && <span className="tc-badge" data-testid={`${tid}-auto`}>{badge}</span>}
        {canReset && (
          <button className="link small" onClick={() => onChange(undefined)} data-testid={`${tid}-reset`}>
            {spec.infer ? "reset to auto" : "reset"}
          </button>
        )}
        {(spec.type === "bool" || spec.type === "enum") && value !== undefined && value !== spec.default && (
          <button className="link small" onClick={() => onChange(undefined)} data-testid={`${tid}-reset`}>reset</button>
        )}
      </label>
      {input}
      {spec.choices?.length && spec.type !== "enum" ? (
        <datalist id={`${tid}-choices`}>{spec.choices.map((c) => <option key={c} value={c} />)}</datalist>
      ) : null}
      {(local || error) && <div className="tc-field-error" data-testid={`${tid}-error`}>{local || error}</div>}
      <div className="tc-field-doc">
        <DocText text={hasDefault ? withoutDefault(spec.doc) : spec.doc} />
        {hasDefault && <span className="tc-default"> default: {formatValue(spec.default)}</span>}
      </div>
    </div>
  );
}

export const ParamField = memo(ParamFieldView);

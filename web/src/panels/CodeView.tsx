// Read-only Python viewer; loaded lazily because CodeMirror is the heaviest dependency.
import { python } from "@codemirror/lang-python";
import CodeMirror, { EditorView } from "@uiw/react-codemirror";

const extensions = [python(), EditorView.lineWrapping];

export default function CodeView({ code }: { code: string }) {
  return <CodeMirror value={code} readOnly editable={false} extensions={extensions} basicSetup={{ foldGutter: false, highlightActiveLine: false }} />;
}

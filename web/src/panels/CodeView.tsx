// Read-only Python viewer; loaded lazily because CodeMirror is the heaviest dependency.
import { python } from "@codemirror/lang-python";
import CodeMirror from "@uiw/react-codemirror";

// No line wrapping: code keeps its shape and the view scrolls sideways (the side panel can be widened).
const extensions = [python()];

export default function CodeView({ code }: { code: string }) {
  return <CodeMirror value={code} readOnly editable={false} extensions={extensions} basicSetup={{ foldGutter: false, highlightActiveLine: false }} />;
}

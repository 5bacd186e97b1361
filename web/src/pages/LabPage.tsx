// #/lab: the regularization lessons (GET /lab/lessons), each with its explanation and its
// one-click experiment or forward demo. Loaded lazily (uPlot).
import { useEffect, useState } from "react";
import { labApi, type Lesson } from "../api/runs";
import { BatchStatsDemo } from "../lab/BatchStatsDemo";
import { DropoutScaleDemo } from "../lab/DropoutScaleDemo";
import { LessonExperiment } from "../lab/LessonExperiment";
import { Markdown } from "../lab/Markdown";
import { NormExplorer } from "../lab/NormExplorer";

const DEMOS: Record<string, () => React.JSX.Element> = {
  "dropout-scale": DropoutScaleDemo,
  normalization: NormExplorer,
  "batch-statistics": BatchStatsDemo,
};

export default function LabPage() {
  const [lessons, setLessons] = useState<Lesson[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    labApi.lessons().then(setLessons, (e: Error) => setError(e.message));
  }, []);
  return (
    <div className="tc-page tc-page-wide" data-testid="lab-page">
      <header className="tc-page-head">
        <a className="tc-logo" href="#/">torch<b>canvas</b></a>
        <h2>Regularization lab</h2>
        <span className="spacer" />
        <a href="#/quickstart">Quick start</a>
        <a href="#/models">My models</a>
      </header>
      {error && <div className="tc-error-box">{error}</div>}
      {!lessons && !error && <div className="muted pad">Loading…</div>}
      <nav className="tc-lab-toc">
        {lessons?.map((l, i) => <a key={l.id} href={`#/lab`} onClick={(e) => (e.preventDefault(), document.getElementById(`lesson-${l.id}`)?.scrollIntoView({ behavior: "smooth" }))}>{i + 1}. {l.title}</a>)}
      </nav>
      {lessons?.map((l, i) => {
        const Demo = l.demo ? DEMOS[l.demo] : undefined;
        return (
          <section key={l.id} id={`lesson-${l.id}`} className="tc-lesson" data-testid={`lesson-${l.id}`}>
            <h3><span className="tc-lesson-n">{i + 1}</span>{l.title}</h3>
            <Markdown text={l.explanation} />
            {l.experiment && <LessonExperiment lesson={{ ...l, experiment: l.experiment }} />}
            {Demo && <Demo />}
          </section>
        );
      })}
    </div>
  );
}

// The confusion matrix as a small heat map: rows are true classes, columns predicted classes;
// each cell is shaded by its share of its row.
export function ConfusionGrid({ matrix }: { matrix: number[][] }) {
  const n = matrix.length;
  const total = matrix.reduce((a, row) => a + row.reduce((x, y) => x + y, 0), 0);
  const correct = matrix.reduce((a, row, i) => a + (row[i] ?? 0), 0);
  return (
    <figure className="tc-chart" data-testid="confusion">
      <figcaption>Confusion matrix <span className="muted">· accuracy {total ? ((100 * correct) / total).toFixed(1) : "–"}%</span></figcaption>
      <div className="tc-confusion-wrap">
        <span className="tc-axis-label tc-axis-y">true</span>
        <div className="tc-confusion" style={{ gridTemplateColumns: `auto repeat(${n}, minmax(22px, 40px))` }}>
          <span />
          {matrix.map((_, j) => <span key={j} className="tc-confusion-head">{j}</span>)}
          {matrix.map((row, i) => {
            const sum = row.reduce((a, b) => a + b, 0) || 1;
            return [
              <span key={`h${i}`} className="tc-confusion-head">{i}</span>,
              ...row.map((v, j) => {
                const share = v / sum;
                return (
                  <span
                    key={`${i}-${j}`}
                    className="tc-confusion-cell"
                    data-testid={`confusion-${i}-${j}`}
                    title={`true ${i}, predicted ${j}: ${v}`}
                    style={{ background: `rgb(37 99 235 / ${Math.round(share * 90 + (v ? 6 : 0))}%)`, color: share > 0.5 ? "#fff" : "var(--text)" }}
                  >
                    {v}
                  </span>
                );
              }),
            ];
          })}
        </div>
      </div>
      <div className="tc-axis-label">predicted</div>
    </figure>
  );
}

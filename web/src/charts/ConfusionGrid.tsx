// The confusion matrix as a small heat map: rows are true classes, columns predicted classes;
// each cell is shaded by its share of its row. Classes are named by the data set's class names
// where the catalog knows them (CIFAR10's "cat", "dog", ...), by their index otherwise.

/** Row and column labels: the class names when there is one per class, else the indices. */
export const classLabels = (n: number, names?: string[] | null): string[] =>
  names && names.length === n ? names : Array.from({ length: n }, (_, i) => String(i));

export function ConfusionGrid({ matrix, classNames }: { matrix: number[][]; classNames?: string[] | null }) {
  const n = matrix.length;
  const labels = classLabels(n, classNames);
  const named = labels.some((l, i) => l !== String(i));
  const total = matrix.reduce((a, row) => a + row.reduce((x, y) => x + y, 0), 0);
  const correct = matrix.reduce((a, row, i) => a + (row[i] ?? 0), 0);
  return (
    <figure className="tc-chart" data-testid="confusion">
      <figcaption>Confusion matrix <span className="muted">· accuracy {total ? ((100 * correct) / total).toFixed(1) : "–"}%</span></figcaption>
      <div className="tc-confusion-wrap">
        <span className="tc-axis-label tc-axis-y">true</span>
        <div className={`tc-confusion${named ? " named" : ""}`} style={{ gridTemplateColumns: `auto repeat(${n}, minmax(22px, 40px))` }}>
          <span />
          {labels.map((l, j) => <span key={j} className="tc-confusion-head tc-confusion-col" title={l} data-testid={`confusion-col-${j}`}>{l}</span>)}
          {matrix.map((row, i) => {
            const sum = row.reduce((a, b) => a + b, 0) || 1;
            return [
              <span key={`h${i}`} className="tc-confusion-head" data-testid={`confusion-row-${i}`}>{labels[i]}</span>,
              ...row.map((v, j) => {
                const share = v / sum;
                return (
                  <span
                    key={`${i}-${j}`}
                    className="tc-confusion-cell"
                    data-testid={`confusion-${i}-${j}`}
                    title={`true ${labels[i]}, predicted ${labels[j]}: ${v}`}
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

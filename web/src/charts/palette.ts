// Series colours: one per run in an overlay, in a fixed order so a run keeps its colour.
export const RUN_COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#db2777", "#65a30d", "#4f46e5", "#b45309"];
export const runColor = (i: number) => RUN_COLORS[i % RUN_COLORS.length];

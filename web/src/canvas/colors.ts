// Category colours are derived from the category name, so a new catalog category needs no entry here.
// Blues, teals, greens and violets only: red means an error and amber a warning on the canvas,
// so no category may look like either (Linear used to hash to red).
// Spread so that LeNet's categories (conv, norm, activation, pool, linear) differ at a glance.
const HUES = [250, 240, 165, 285, 180, 150, 95, 305, 125, 260, 205, 222, 155];

export function categoryColor(category: string | undefined): string {
  if (!category) return "hsl(220 10% 55%)";
  let h = 0;
  for (const c of category) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return `hsl(${HUES[h % HUES.length]} 50% 48%)`;
}

export const MODULE_COLOR = "hsl(265 50% 55%)";
export const IO_COLOR = "hsl(220 15% 35%)";

// Category colours are derived from the category name, so a new catalog category needs no entry here.
const HUES = [210, 160, 30, 280, 0, 120, 190, 330, 45, 250, 95, 15, 300];

export function categoryColor(category: string | undefined): string {
  if (!category) return "hsl(220 10% 55%)";
  let h = 0;
  for (const c of category) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return `hsl(${HUES[h % HUES.length]} 55% 50%)`;
}

export const MODULE_COLOR = "hsl(265 50% 55%)";
export const IO_COLOR = "hsl(220 15% 35%)";

// The digit pad's downsampling: what sklearn's load_digits did to its 32x32 bitmaps. Each digit
// there is a 32x32 black-and-white drawing cut into 4x4 blocks; a pixel of the 8x8 image counts
// the inked pixels of its block (0..16). The pad does the same to its canvas: ink is any pixel
// brighter than half, and each block's count of inked pixels, scaled to 16, is the intensity.

/** RGBA pixels (width x height, row-major, as ImageData gives them) -> (out x out) intensities 0..max. */
export function downsample(rgba: ArrayLike<number>, width: number, height: number, out = 8, max = 16): number[][] {
  const grid: number[][] = [];
  for (let r = 0; r < out; r++) {
    const row: number[] = [];
    const y0 = Math.floor((r * height) / out);
    const y1 = Math.floor(((r + 1) * height) / out);
    for (let c = 0; c < out; c++) {
      const x0 = Math.floor((c * width) / out);
      const x1 = Math.floor(((c + 1) * width) / out);
      let inked = 0;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const i = (y * width + x) * 4;
          const luma = 0.299 * rgba[i] + 0.587 * rgba[i + 1] + 0.114 * rgba[i + 2];
          if (luma * (rgba[i + 3] / 255) > 127.5) inked++;
        }
      }
      const cells = Math.max(1, (y1 - y0) * (x1 - x0));
      row.push(Math.round((inked / cells) * max));
    }
    grid.push(row);
  }
  return grid;
}

/** Whether anything is drawn. */
export const isBlank = (grid: number[][]) => grid.every((row) => row.every((v) => v === 0));

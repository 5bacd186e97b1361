// A class mask over an image, as RGBA pixels: each non-background pixel blended with its class's
// colour at `opacity`. Pure (no DOM): tested in overlay.test.ts, drawn by SegmentationView.

/** Class colours: the background (0) shows the image itself; then distinct hues. */
export const CLASS_COLORS: [number, number, number][] = [
  [0, 0, 0], [239, 68, 68], [34, 197, 94], [59, 130, 246], [234, 179, 8], [168, 85, 247], [6, 182, 212], [249, 115, 22],
];
export const classColor = (i: number): [number, number, number] => CLASS_COLORS[i === 0 ? 0 : 1 + ((i - 1) % (CLASS_COLORS.length - 1))];
export const classCss = (i: number) => (i === 0 ? "transparent" : `rgb(${classColor(i).join(",")})`);

/** `image`: RGBA of the same (H, W) as `mask`, or null for a black image. Returns new RGBA bytes. */
export function blend(image: Uint8ClampedArray | null, mask: number[][], opacity: number): Uint8ClampedArray<ArrayBuffer> {
  const h = mask.length, w = mask[0]?.length ?? 0;
  const out = new Uint8ClampedArray(h * w * 4);
  const a = Math.max(0, Math.min(1, opacity));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4, c = mask[y][x];
      const [r, g, b] = classColor(c);
      const k = c === 0 ? 0 : a;
      out[i] = Math.round((image ? image[i] : 0) * (1 - k) + r * k);
      out[i + 1] = Math.round((image ? image[i + 1] : 0) * (1 - k) + g * k);
      out[i + 2] = Math.round((image ? image[i + 2] : 0) * (1 - k) + b * k);
      out[i + 3] = 255;
    }
  }
  return out;
}

// What the palette drags onto the canvas.
export type PaletteItem =
  | { kind: "layer"; type: string }
  | { kind: "input" }
  | { kind: "output" }
  | { kind: "module"; module: string };

export const DND_MIME = "application/x-torchcanvas";

//! The merchant picks any accent colour; text drawn on it, and the accent drawn as text on
//! white, must still reach WCAG AA (4.5:1). So the colours actually used are computed here.

type Rgb = [number, number, number];

/** `#rgb` or `#rrggbb` (what a color setting prints); anything else is the default accent. */
export function parseColor(value: string): Rgb {
  let hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec((value || '').trim())?.[1] ?? '3b5bdb';
  if (hex.length === 3) hex = hex.replace(/./g, '$&$&');
  return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) as Rgb;
}

/** WCAG relative luminance. */
function luminance(rgb: Rgb): number {
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a: Rgb, b: Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

const css = (rgb: Rgb) => `rgb(${rgb.map(Math.round).join(',')})`;
const WHITE: Rgb = [255, 255, 255];
const BLACK: Rgb = [0, 0, 0];

/**
 * The accent, the text colour on it (black or white, whichever contrasts more: one of them
 * always reaches 4.5:1), and `ink`: the accent darkened until it reads on white and on the
 * log's light grey (5:1 on white leaves 4.5:1 on #f5f6f8), for links, outlines and accent text.
 */
export function palette(value: string): { accent: string; on: string; ink: string } {
  const accent = parseColor(value);
  const on = contrast(accent, WHITE) >= contrast(accent, BLACK) ? WHITE : BLACK;
  let ink = accent;
  for (let i = 0; i < 20 && contrast(ink, WHITE) < 5; i++) {
    ink = ink.map((c) => c * 0.85) as Rgb;
  }
  return { accent: css(accent), on: css(on), ink: css(ink) };
}

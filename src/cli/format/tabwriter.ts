/**
 * Go's text/tabwriter (the elastic-tabstop algorithm), used by the docker CLI to align
 * tables: `tabwriter.NewWriter(out, 10, 1, 3, ' ', 0)`.
 *
 * Text is split into cells terminated by '\t' (or '\v'); lines end at '\n' (or '\f').
 * The last cell of a line is not part of any column. A column block is a run of
 * consecutive lines that have a cell in that column; its width is
 * max(minwidth, widest cell + padding). Widths count runes, as Go does.
 * The whole text is formatted at once, which gives the same output as Go's
 * incremental writer (Go only flushes early at lines that cannot affect alignment).
 */

export interface TabwriterOptions {
  minwidth: number;
  tabwidth: number;
  padding: number;
  padchar: string;
  /** Go's flags: AlignRight, DiscardEmptyColumns, TabIndent, Debug (FilterHTML/StripEscape are not supported) */
  alignRight?: boolean;
  discardEmptyColumns?: boolean;
  tabIndent?: boolean;
  debug?: boolean;
}

/** The docker CLI's table settings. */
export const DOCKER_TABWRITER: TabwriterOptions = { minwidth: 10, tabwidth: 1, padding: 3, padchar: ' ' };

interface Cell {
  text: string;
  width: number; // in runes
  htab: boolean; // terminated by '\t' (not '\v')
}

const runeCount = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** Formats `text` exactly as writing it to a Go tabwriter.Writer and calling Flush would. */
export function tabwrite(text: string, opts: TabwriterOptions = DOCKER_TABWRITER): string {
  let out = '';
  let lines: Cell[][] = [[]];
  let cur = '';
  for (const ch of text) {
    if (ch === '\t' || ch === '\v' || ch === '\n' || ch === '\f') {
      (lines[lines.length - 1] as Cell[]).push({ text: cur, width: runeCount(cur), htab: ch === '\t' });
      cur = '';
      if (ch === '\n' || ch === '\f') lines.push([]);
      if (ch === '\f') {
        // A form feed ends the line and forces a flush: what follows is aligned independently.
        out += formatLines(lines, opts);
        if (opts.debug === true) out += '---\n';
        lines = [[]];
      }
    } else cur += ch;
  }
  // Flush terminates a non-empty trailing cell.
  if (cur.length > 0) (lines[lines.length - 1] as Cell[]).push({ text: cur, width: runeCount(cur), htab: false });
  return out + formatLines(lines, opts);
}

/** Go's Writer.format over buffered lines (the last one is the unterminated line). */
function formatLines(lines: readonly Cell[][], opts: TabwriterOptions): string {
  const padchar = opts.padchar;
  const alignRight = opts.alignRight === true && padchar !== '\t'; // tab padding enforces left-alignment
  let out = '';
  const widths: number[] = [];

  const writePadding = (textw: number, cellw: number, useTabs: boolean): void => {
    if (padchar === '\t' || useTabs) {
      if (opts.tabwidth === 0) return; // tabs have no width - can't do any padding
      const cw = Math.ceil(cellw / opts.tabwidth) * opts.tabwidth;
      const n = cw - textw;
      out += '\t'.repeat(Math.ceil(n / opts.tabwidth));
      return;
    }
    out += padchar.repeat(Math.max(0, cellw - textw));
  };

  const writeLines = (line0: number, line1: number): void => {
    for (let i = line0; i < line1; i++) {
      const line = lines[i] as Cell[];
      let useTabs = opts.tabIndent === true;
      line.forEach((c, j) => {
        if (j > 0 && opts.debug === true) out += '|';
        if (c.text.length === 0) {
          if (j < widths.length) writePadding(c.width, widths[j] as number, useTabs);
        } else {
          useTabs = false;
          if (!alignRight) {
            out += c.text;
            if (j < widths.length) writePadding(c.width, widths[j] as number, false);
          } else {
            if (j < widths.length) writePadding(c.width, widths[j] as number, false);
            out += c.text;
          }
        }
      });
      if (i + 1 === lines.length) {
        // last buffered line: no newline (its pending cell was already written)
      } else out += '\n';
    }
  };

  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let t = line0; t < line1; t++) {
      const line = lines[t] as Cell[];
      if (column >= line.length - 1) continue;
      // cell exists in this column => this line has more cells than the previous line
      writeLines(line0, t);
      line0 = t;
      // column block begin
      let width = opts.minwidth;
      let discardable = true;
      for (; t < line1; t++) {
        const l = lines[t] as Cell[];
        if (column >= l.length - 1) break;
        const c = l[column] as Cell;
        const w = c.width + opts.padding;
        if (w > width) width = w;
        if (c.width > 0 || c.htab) discardable = false;
      }
      // column block end
      if (discardable && opts.discardEmptyColumns === true) width = 0;
      widths.push(width);
      format(line0, t);
      widths.pop();
      line0 = t;
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out;
}

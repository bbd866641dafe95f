// Replaces one section of docs/benchmarks.md (between <!-- bench:NAME --> markers) with the
// markdown read from stdin, so every bench script keeps its own table current.
//   node bench/publish.mjs NAME < section.md
import { readFileSync, writeFileSync } from 'node:fs';

const name = process.argv[2];
if (!name) throw new Error('usage: publish.mjs NAME < section.md');
const doc = new URL('../docs/benchmarks.md', import.meta.url);
const body = readFileSync(0, 'utf8').trim();
let text = readFileSync(doc, 'utf8');
const open = `<!-- bench:${name} -->`;
const close = `<!-- /bench:${name} -->`;
const block = `${open}\n${body}\n${close}`;
const start = text.indexOf(open);
const end = text.indexOf(close);
text = start >= 0 && end > start ? text.slice(0, start) + block + text.slice(end + close.length) : `${text.trimEnd()}\n\n${block}\n`;
writeFileSync(doc, text);

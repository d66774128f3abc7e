// Writes the files generated from the schema (docs/CONFIG.md, deepseek-proxy.example.toml,
// examples/profiles/*.toml). Run after `pnpm --filter @dsp/config build`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderGeneratedFiles } from '../dist/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
for (const [rel, text] of Object.entries(renderGeneratedFiles())) {
  const path = join(root, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  console.log(`wrote ${rel}`);
}

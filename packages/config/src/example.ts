// The commented example config (deepseek-proxy.example.toml) and the profile files, both rendered
// from the schema / profile data so they cannot drift from it.
import { TUNING_PROFILES, type TuningProfile } from './profiles.js';
import { schemaKeys, schemaSections, type KeyInfo, type SectionInfo, type TableListInfo } from './schema-walk.js';
import { commentLines, tomlLiteral } from './toml-text.js';

const HEADER = `deepseek-proxy.example.toml: every key, each at its default, with what it means. Copy it to
deepseek-proxy.toml (the default path; or point --config FILE / DSP_CONFIG at it) and change what
you need; a key you leave out keeps its default. Every key can also be set by the environment as
DSP_<SECTION>__<KEY> (e.g. DSP_DEEPSEEK__HTTP_CLIENT__TIMEOUT_SECONDS=5). Reference: docs/CONFIG.md.
Generated from packages/config/src/sections/; regenerate with \`pnpm --filter @dsp/config render-docs\`.`;

function keyComment(k: KeyInfo): string[] {
  const aliases = k.meta.envAliases?.length ? ` or ${k.meta.envAliases.join(', ')}` : '';
  const relative = k.meta.path ? ' A relative path is resolved against the directory of this file.' : '';
  return commentLines(`${k.meta.description}${relative} [${k.meta.label}; env ${k.envVar}${aliases}]`);
}

function renderSection(s: SectionInfo, out: string[]): void {
  if (s.meta.map) {
    // no table at its default: the example stays commented out
    out.push('', ...commentLines(s.meta.description), ...s.meta.map.example.split('\n').map((l) => `# ${l}`));
    return;
  }
  out.push('', ...commentLines(s.meta.description), `[${s.dotted}]`);
  for (const k of s.keys) out.push(...keyComment(k), `${k.path[k.path.length - 1]} = ${tomlLiteral(k.default)}`);
  for (const sub of s.sections) renderSection(sub, out);
  for (const l of s.lists) renderList(l, out);
}

/** An array of tables is empty by default: one example item, commented out, after its key list. */
function renderList(l: TableListInfo, out: string[]): void {
  out.push('', ...commentLines(l.meta.description), ...commentLines('Keys of each item:'));
  for (const k of l.keys) out.push(...commentLines(`  ${k.path[0]}: ${k.meta.description} [${k.meta.label}; default ${tomlLiteral(k.default)}]`));
  out.push(`# [[${l.dotted}]]`);
  for (const [k, v] of Object.entries(l.meta.example)) out.push(`# ${k} = ${tomlLiteral(v)}`);
}

/** The text of deepseek-proxy.example.toml. */
export function renderExampleConfig(): string {
  const out = [...commentLines(HEADER.replace(/\n/g, ' '))];
  for (const s of schemaSections()) renderSection(s, out);
  return `${out.join('\n')}\n`;
}

/** The text of one examples/profiles/<name>.toml file: only the keys the profile changes. */
export function renderProfile(profile: TuningProfile): string {
  const keys = schemaKeys();
  const out = [
    ...commentLines(
      `Tuning profile "${profile.name}". ${profile.whenToUse} Only the keys this profile changes are set; everything else keeps its default. Merge these into your deepseek-proxy.toml (or load this file with --config FILE and add your own keys). See "Tuning profiles" in docs/CONFIG.md.`,
    ),
  ];
  const byTable = new Map<string, typeof profile.settings>();
  for (const s of profile.settings) {
    const table = s.key.slice(0, s.key.lastIndexOf('.'));
    if (!byTable.has(table)) byTable.set(table, []);
    byTable.get(table)!.push(s);
  }
  for (const [table, settings] of byTable) {
    out.push('', `[${table}]`);
    for (const s of settings) {
      const info = keys.get(s.key);
      if (!info) throw new Error(`profile ${profile.name}: unknown key ${s.key}`);
      out.push(...commentLines(`${s.why} (default ${tomlLiteral(info.default)})`), `${info.path[info.path.length - 1]} = ${tomlLiteral(s.value)}`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** Every profile file, by path from the repository root. */
export function renderProfiles(): Record<string, string> {
  return Object.fromEntries(TUNING_PROFILES.map((p) => [p.file, renderProfile(p)]));
}

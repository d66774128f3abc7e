// Keys the schema does not know: each is warned about (with the nearest known name, when there is
// one) and removed before validation, so a typo never fails a start but is always seen.
import { schemaKeys, schemaSections, type SectionInfo, type TableListInfo } from './schema-walk.js';
import { closest } from './suggest.js';
import { isTable, type Table } from './util.js';

function suggestionFor(name: string, prefix: string[], siblings: string[], isTableValue: boolean): string | undefined {
  const near = closest(name, siblings);
  if (near !== undefined) return [...prefix, near].join('.');
  // Right key name, wrong table (e.g. `server.api_key`)?
  if (!isTableValue) {
    for (const k of schemaKeys().values()) if (k.path[k.path.length - 1] === name) return k.dotted;
  }
  return undefined;
}

export function removeUnknownKeys(data: Table, file: string, warnings: string[]): void {
  const warn = (name: string, prefix: string[], display: string, siblings: string[], value: unknown, inItem: boolean) => {
    const tableValue = isTable(value);
    // inside an [[array]] item the only suggestions are the item's own keys
    const guess = inItem ? closest(name, siblings) : suggestionFor(name, prefix, siblings, tableValue);
    const what = tableValue ? `unknown table [${display}]` : `unknown key "${display}"`;
    const hint = guess ? (tableValue ? ` (did you mean [${guess}]?)` : ` (did you mean "${guess}"?)`) : '';
    warnings.push(`${file}: ${what}${hint}; it is ignored`);
  };
  const visit = (table: Table, prefix: string[], keys: string[], sections: SectionInfo[], lists: TableListInfo[]) => {
    const last = (p: string[]) => p[p.length - 1]!;
    const siblings = [...keys, ...sections.map((s) => last(s.path)), ...lists.map((l) => last(l.path))];
    for (const [name, value] of Object.entries(table)) {
      if (keys.includes(name)) continue;
      const sub = sections.find((s) => last(s.path) === name);
      if (sub) {
        if (isTable(value) && !sub.meta.map)
          visit(
            value,
            sub.path,
            sub.keys.map((k) => last(k.path)),
            sub.sections,
            sub.lists,
          );
        continue; // a non-table value here is reported by validation
      }
      const list = lists.find((l) => last(l.path) === name);
      if (list) {
        if (Array.isArray(value)) {
          const itemKeys = list.keys.map((k) => last(k.path));
          value.forEach((item: unknown, i) => {
            if (!isTable(item)) return;
            for (const [k, v] of Object.entries(item)) {
              if (itemKeys.includes(k)) continue;
              warn(k, list.path, `${list.dotted}[${i}].${k}`, itemKeys, v, true);
              delete item[k];
            }
          });
        }
        continue;
      }
      warn(name, prefix, [...prefix, name].join('.'), siblings, value, false);
      delete table[name];
    }
  };
  visit(data, [], [], schemaSections(), []);
}

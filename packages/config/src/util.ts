// Small helpers on plain data trees (parsed TOML, partially built configs).

export type Table = Record<string, unknown>;

export function isTable(value: unknown): value is Table {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A deep copy of a data tree with ordinary (not null-prototype) objects. */
export function cloneTree<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => cloneTree(v)) as T;
  if (isTable(value)) {
    const out: Table = {};
    for (const [k, v] of Object.entries(value)) out[k] = cloneTree(v);
    return out as T;
  }
  return value;
}

export function getPath(root: unknown, path: readonly (string | number)[]): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (Array.isArray(cur) && typeof seg === 'number') cur = cur[seg];
    else if (isTable(cur) && Object.hasOwn(cur, String(seg))) cur = cur[String(seg)];
    else return undefined;
  }
  return cur;
}

/** Sets `path` in `root`, creating (or replacing non-table values with) tables on the way. */
export function setPath(root: Table, path: readonly string[], value: unknown): void {
  let cur = root;
  for (const seg of path.slice(0, -1)) {
    const next = cur[seg];
    if (isTable(next)) cur = next;
    else {
      const created: Table = {};
      cur[seg] = created;
      cur = created;
    }
  }
  cur[path[path.length - 1]!] = value;
}

export function deleteKey(root: Table, path: readonly string[]): void {
  const parent = getPath(root, path.slice(0, -1));
  if (isTable(parent)) delete parent[path[path.length - 1]!];
}

/** Freezes a data tree in place, all the way down, and returns it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

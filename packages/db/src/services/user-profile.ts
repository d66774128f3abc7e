// The operators' fields of a user (name, notes, labels): what each may hold, checked before a write.
import { ServiceError } from '../errors.js';

export const MAX_NOTES = 2000;
export const MAX_LABELS = 20;
const LABEL = /^[a-z0-9][a-z0-9._:-]{0,31}$/;

export function validateNotes(notes: unknown): string {
  if (notes === undefined || notes === null) return '';
  if (typeof notes !== 'string') throw new ServiceError('invalid_argument', 'notes must be a string');
  if (notes.length > MAX_NOTES) throw new ServiceError('invalid_argument', `notes must be at most ${MAX_NOTES} characters`);
  return notes.trim();
}

/** Labels: lower-case, 1-32 of a-z 0-9 . _ : - (starting with a letter or digit), at most 20, sorted, no repeats. */
export function validateLabels(labels: unknown): string[] {
  if (labels === undefined || labels === null) return [];
  if (!Array.isArray(labels)) throw new ServiceError('invalid_argument', 'labels must be a list');
  const out = [...new Set(labels.map((l) => (typeof l === 'string' ? l.trim().toLowerCase() : '')))].filter((l) => l !== '');
  for (const l of out)
    if (!LABEL.test(l))
      throw new ServiceError('invalid_argument', `invalid label ${JSON.stringify(l)}: 1-32 characters of a-z 0-9 . _ : - starting with a letter or digit`);
  if (out.length > MAX_LABELS) throw new ServiceError('invalid_argument', `at most ${MAX_LABELS} labels per user`);
  return out.sort();
}

export const MAX_USER_NAME = 200;

export function validateName(name: unknown): string | null {
  if (name === undefined || name === null) return null;
  if (typeof name !== 'string') throw new ServiceError('invalid_argument', 'name must be a string');
  const t = name.trim();
  if (t.length > MAX_USER_NAME) throw new ServiceError('invalid_argument', `name must be at most ${MAX_USER_NAME} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(t)) throw new ServiceError('invalid_argument', 'name must not contain control characters');
  return t === '' ? null : t;
}

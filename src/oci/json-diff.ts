/** Field-by-field differences between two JSON documents (configs, manifests, indexes). */
import type { ValueChange } from './verdict.js';

export function diffJson(a: unknown, b: unknown, path = ''): ValueChange[] {
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((key) => diffJson(a[key], b[key], path ? `${path}.${key}` : key));
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const changes: ValueChange[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) changes.push(...diffJson(a[i], b[i], `${path}[${i}]`));
    return changes;
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path: path || '(document)', a: a ?? null, b: b ?? null }];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

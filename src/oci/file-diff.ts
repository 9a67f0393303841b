/** Compares two layer listings path by path. */
import type { FileEntry } from './schema.js';
import type { FileAspect, FileDifference } from './verdict.js';

export function diffListings(a: FileEntry[], b: FileEntry[]): FileDifference[] {
  // A tar may hold a path twice (the later entry wins when unpacked), so the last one counts.
  const byPathA = lastByPath(a);
  const byPathB = lastByPath(b);
  const moved = movedPaths(byPathA, byPathB);
  const differences: FileDifference[] = [];
  for (const [path, entryA] of byPathA) {
    const entryB = byPathB.get(path);
    if (!entryB) {
      differences.push({ path, aspects: ['removed'], a: entryA, b: null });
      continue;
    }
    const aspects = compareEntries(entryA, entryB);
    if (moved.has(path)) aspects.push('order');
    if (aspects.length > 0) differences.push({ path, aspects, a: entryA, b: entryB });
  }
  for (const [path, entryB] of byPathB) {
    if (!byPathA.has(path)) differences.push({ path, aspects: ['added'], a: null, b: entryB });
  }
  return differences;
}

export function compareEntries(a: FileEntry, b: FileEntry): FileAspect[] {
  const aspects: FileAspect[] = [];
  if (a.type !== b.type) aspects.push('type');
  if (a.sha256 !== b.sha256 || a.size !== b.size) aspects.push('content');
  if (a.linkname !== b.linkname) aspects.push('link');
  if (a.mode !== b.mode) aspects.push('mode');
  if (a.uid !== b.uid || a.gid !== b.gid) aspects.push('owner');
  if (a.mtime !== b.mtime) aspects.push('mtime');
  return aspects;
}

function lastByPath(entries: FileEntry[]): Map<string, FileEntry> {
  const map = new Map<string, FileEntry>();
  for (const entry of entries) {
    map.delete(entry.path);
    map.set(entry.path, entry);
  }
  return map;
}

/**
 * Paths whose position among the common paths differs: those outside a longest run that keeps
 * its relative order in both tars (a longest increasing subsequence), so one moved entry is
 * reported once and not every entry it shifted.
 */
function movedPaths(byPathA: Map<string, FileEntry>, byPathB: Map<string, FileEntry>): Set<string> {
  const positionInB = new Map<string, number>();
  let at = 0;
  for (const [path] of byPathB) if (byPathA.has(path)) positionInB.set(path, at++);
  const sequence: Array<{ path: string; pos: number }> = [];
  for (const [path] of byPathA) {
    const pos = positionInB.get(path);
    if (pos !== undefined) sequence.push({ path, pos });
  }
  const kept = longestIncreasing(sequence.map((s) => s.pos));
  const moved = new Set<string>();
  sequence.forEach((s, i) => {
    if (!kept.has(i)) moved.add(s.path);
  });
  return moved;
}

/** Indexes of one longest strictly increasing subsequence (patience sorting, O(n log n)). */
function longestIncreasing(values: number[]): Set<number> {
  const tails: number[] = [];
  const previous = new Array<number>(values.length).fill(-1);
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (values[tails[mid]!]! < value) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) previous[i] = tails[lo - 1]!;
    tails[lo] = i;
  }
  const kept = new Set<number>();
  let i = tails.length > 0 ? tails[tails.length - 1]! : -1;
  while (i !== -1) {
    kept.add(i);
    i = previous[i]!;
  }
  return kept;
}

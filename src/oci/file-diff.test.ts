import { diffListings } from './file-diff.js';
import type { FileEntry } from './schema.js';

function entry(path: string, over: Partial<FileEntry> = {}): FileEntry {
  return { path, type: 'file', mode: 0o644, uid: 0, gid: 0, size: 1, mtime: 0, sha256: 'a'.repeat(64), linkname: '', ...over };
}

describe('diffListings', () => {
  it('names each aspect that differs for a path', () => {
    const a = [entry('x'), entry('l', { type: 'symlink', sha256: null, size: 0, linkname: 'x' })];
    const b = [entry('x', { sha256: 'b'.repeat(64), mode: 0o600, uid: 1, mtime: 5 }), entry('l', { type: 'symlink', sha256: null, size: 0, linkname: 'y' })];
    expect(diffListings(a, b).map((d) => [d.path, d.aspects])).toEqual([
      ['x', ['content', 'mode', 'owner', 'mtime']],
      ['l', ['link']],
    ]);
  });

  it('reports added and removed paths', () => {
    expect(diffListings([entry('gone')], [entry('new')]).map((d) => [d.path, d.aspects])).toEqual([
      ['gone', ['removed']],
      ['new', ['added']],
    ]);
  });

  it('reports only the entry that moved, not every entry it shifted', () => {
    const names = ['a', 'b', 'c', 'd', 'e'];
    const a = names.map((n) => entry(n));
    const b = ['b', 'c', 'd', 'e', 'a'].map((n) => entry(n));
    expect(diffListings(a, b).map((d) => [d.path, d.aspects])).toEqual([['a', ['order']]]);
  });

  it('is empty for equal listings', () => {
    expect(diffListings([entry('a'), entry('b')], [entry('a'), entry('b')])).toEqual([]);
  });
});

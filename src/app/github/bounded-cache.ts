/**
 * A Map that forgets its oldest entries past a size, for process-wide caches of immutable
 * GitHub objects (blobs and trees by SHA) and ETags, so a long-running App cannot grow without bound.
 */
export class BoundedCache<K, V> {
  readonly #entries = new Map<K, V>();

  constructor(readonly maxEntries: number) {}

  get(key: K): V | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) {
      // Refresh recency: Map iteration order is insertion order.
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value as K;
      this.#entries.delete(oldest);
    }
  }
}

/**
 * What the App remembers of GitHub between scans. Trees, blobs and commits are addressed by SHA,
 * so they never change; branch heads are revalidated with ETags, which GitHub answers with 304
 * without counting against the rate limit. One per process (tests make their own).
 */
export class GitHubCache {
  readonly trees = new BoundedCache<string, { treeSha: string; entries: Map<string, { mode: string; sha: string }> }>(500);
  readonly blobs = new BoundedCache<string, string>(20_000);
  readonly refEtags = new BoundedCache<string, { etag: string; sha: string }>(5_000);
  readonly commits = new BoundedCache<string, { sha: string; fingerprint: string | null; parentSha: string | null }>(5_000);
}

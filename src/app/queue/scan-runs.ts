import type { ScanRun } from '../scan/scan-run.js';

/**
 * The scan runs a process has open, by run id. Jobs of one fan-out carry the same id, so the
 * repositories one process scans in a run share lookups (and action tags, which the Redis cache
 * does not share across installations) as they did before the queue; a run nobody used for a
 * while is dropped.
 */
export class ScanRuns {
  readonly #runs = new Map<string, { run: ScanRun; usedAt: number }>();

  constructor(
    private readonly create: () => ScanRun,
    private readonly idleMs = 30 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(runId: string): ScanRun {
    const now = this.now();
    for (const [id, entry] of this.#runs) if (now - entry.usedAt > this.idleMs) this.#runs.delete(id);
    let entry = this.#runs.get(runId);
    if (!entry) {
      entry = { run: this.create(), usedAt: now };
      this.#runs.set(runId, entry);
    }
    entry.usedAt = now;
    return entry.run;
  }
}

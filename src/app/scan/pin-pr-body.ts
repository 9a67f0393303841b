import type { PinChange } from '../../core/plan.js';
import { code, marker, table, text } from '../../core/markdown.js';

export function shortDigest(value: string): string {
  return /^sha256:[0-9a-f]{64}$/.test(value) ? `${value.slice(0, 19)}…` : /^[0-9a-f]{40}$/.test(value) ? value.slice(0, 12) : value;
}

/** The PR body: what changes, and where verification stands. */
export function renderPinPrBody(group: string, changes: PinChange[], verification: string): string {
  const rows = changes.map((c) => [
    code(`${c.file}:${c.line}`),
    code(c.value === null ? c.name : `${c.name}:${c.value}`),
    c.from === null ? '—' : code(shortDigest(c.from)),
    code(c.to) + (c.note ? ` (${text(c.note)})` : ''),
  ]);
  return [
    marker('pin-pr', group),
    `repro-pins pins ${changes.length === 1 ? 'one build input' : `${changes.length} build inputs`} so that the same commit always builds the same image.`,
    '',
    table(['File', 'Dependency', 'From', 'To'], rows),
    '',
    `**Verification:** ${verification}`,
    '',
    'This PR stays a draft until the image has been built twice, independently, with identical digests.',
    'Comment `/repro help` for commands.',
  ].join('\n');
}

/**
 * Mutation fuzzing of the App's readers of outside input (webhook payloads, comment bodies, the
 * hidden state in PR and dashboard bodies): whatever a payload or body holds, each answers with
 * its own "not this" value (null, or an empty state) and never throws.
 */
import fc from 'fast-check';
import { parseCommand } from './commands.js';
import { readDashboardState, renderDashboard } from './scan/dashboard-body.js';
import { parseCompletedRun } from './verify/run-completed.js';
import { readVerification, renderVerification } from './verify/verification-state.js';
import { WORKFLOW_PATH } from './scan/onboarding.js';

const SHA = 'a'.repeat(40);
const run = {
  action: 'completed',
  repository: { id: 1, name: 'img', owner: { login: 'acme' } },
  workflow_run: {
    id: 7,
    path: WORKFLOW_PATH,
    event: 'workflow_dispatch',
    head_branch: 'repro-pins/new-pins',
    head_sha: SHA,
    display_title: `repro-verify ${SHA.slice(0, 12)}-0123abcd`,
    conclusion: 'success',
    html_url: 'https://github.com/acme/img/actions/runs/7',
    actor: { login: 'repro-pins[bot]' },
    repository: { id: 1 },
    head_repository: { id: 1 },
  },
};

type Json = unknown;
/** One mutation of a JSON tree at a random path: a value replaced by anything, or a key removed. */
function mutate(value: Json, path: number[], replacement: Json, remove: boolean): Json {
  if (path.length === 0 || typeof value !== 'object' || value === null) return replacement;
  const entries = Object.entries(value as Record<string, Json>);
  if (entries.length === 0) return replacement;
  const i = path[0]! % entries.length;
  const [key, child] = entries[i]!;
  const copy: Record<string, Json> = Array.isArray(value) ? ([...value] as unknown as Record<string, Json>) : { ...(value as Record<string, Json>) };
  if (remove && path.length === 1) delete copy[key];
  else copy[key] = mutate(child, path.slice(1), replacement, remove);
  return copy;
}

const mutation = fc.tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), fc.jsonValue(), fc.boolean());

test('the valid payload is a run, and every mutation of it is a run or null, never a throw', () => {
  expect(parseCompletedRun(run)).toMatchObject({ runId: 7, requestId: `${SHA.slice(0, 12)}-0123abcd` });
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
      const payload = mutations.reduce<Json>((p, [path, replacement, remove]) => mutate(p, path, replacement, remove), run);
      const parsed = parseCompletedRun(payload);
      if (parsed !== null) expect(parsed.sha).toMatch(/^[0-9a-f]{40}$/);
    }),
    { numRuns: 2000 },
  );
});

test('a comment body of any text is a command or null', () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('/repro ', 'help', 'ignore', ' ', '\n', '\r', '>', 'x', '\u00a0', '@') }), (body) => {
      const command = parseCommand(body);
      if (command && command.name === 'ignore') expect(command.argument).toBeTruthy();
    }),
    { numRuns: 2000 },
  );
});

test('mutated PR and dashboard bodies give a recorded state or none, never a throw', () => {
  const pr = `**Verification:** ${renderVerification({ state: 'pending', sha: SHA, request: `${SHA.slice(0, 12)}-0123abcd`, since: '2030-01-01T00:00:00Z' })}`;
  const dashboard = renderDashboard({ state: { ignored: ['a', 'b'] }, configErrors: [], refs: [], problems: [], pullRequests: [], findings: [], failure: null });
  expect(readVerification(pr)).toMatchObject({ state: 'pending', sha: SHA });
  expect(readDashboardState(dashboard)).toEqual({ ignored: ['a', 'b'] });
  const edit = fc.tuple(fc.nat(), fc.nat({ max: 8 }), fc.string({ maxLength: 8 }));
  fc.assert(
    fc.property(fc.array(edit, { maxLength: 4 }), (edits) => {
      const apply = (body: string) => edits.reduce((b, [at, cut, insert]) => b.slice(0, at % (b.length + 1)) + insert + b.slice((at % (b.length + 1)) + cut), body);
      const recorded = readVerification(apply(pr));
      if (recorded) expect(recorded.sha).toMatch(/^[0-9a-f]{40}$/);
      expect(readDashboardState(apply(dashboard)).ignored.every((d) => typeof d === 'string')).toBe(true);
    }),
    { numRuns: 2000 },
  );
});

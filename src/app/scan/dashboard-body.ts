import type { ConfigError } from '../../core/config.js';
import type { Finding } from '../../core/lint/index.js';
import type { DependencyRef, Problem } from '../../core/reference.js';
import { code, marker, table, text } from '../../core/markdown.js';

export const DASHBOARD_TITLE = 'Dependency Dashboard (repro-pins)';

/** What the dashboard remembers between scans: dependencies ignored with `/repro ignore`. */
export interface DashboardState {
  ignored: string[];
}

const statePattern = /<!-- repro-pins:state (\{.*?\}) -->/s;

export function readDashboardState(body: string | null | undefined): DashboardState {
  const json = body ? statePattern.exec(body)?.[1] : undefined;
  if (!json) return { ignored: [] };
  try {
    const parsed: unknown = JSON.parse(json);
    const ignored = (parsed as { ignored?: unknown }).ignored;
    return { ignored: Array.isArray(ignored) ? ignored.filter((d): d is string => typeof d === 'string') : [] };
  } catch {
    return { ignored: [] };
  }
}

export interface DashboardContent {
  state: DashboardState;
  configErrors: ConfigError[];
  refs: DependencyRef[];
  problems: Problem[];
  pullRequests: { group: string; number: number | null; note: string }[];
  /** Reproducibility findings on the default branch (also the `repro-pins/findings` check run). */
  findings: Finding[];
  /** An unexpected failure of the whole scan, shown so one broken repository is visible. */
  failure: string | null;
}

function stateOf(ref: DependencyRef): string {
  if (ref.skipped !== null) return `skipped: ${ref.skipped}`;
  return ref.pinned ? 'pinned' : 'not pinned';
}

export function renderDashboard(content: DashboardContent): string {
  const sections: string[] = [marker('dashboard'), 'This issue lists every build input repro-pins found, its state, and what needs attention. It is updated after every scan.'];
  if (content.failure) sections.push('## ⚠️ The last scan failed', text(content.failure));
  if (content.configErrors.length > 0) {
    sections.push(
      '## Config errors',
      'The config was not applied, and no pull request was opened or changed. Fix `.github/repro-pins.yml`:',
      table(['Line', 'Key', 'Problem'], content.configErrors.map((e) => [String(e.line), e.key ? code(e.key) : '—', text(e.message)])),
    );
  }
  if (content.pullRequests.length > 0) {
    sections.push('## Pull requests', content.pullRequests.map((pr) => `- ${code(pr.group)}: ${pr.number === null ? pr.note : `#${pr.number} ${pr.note}`}`).join('\n'));
  }
  if (content.problems.length > 0) {
    sections.push('## Lookup errors', table(['File', 'Dependency', 'Problem'], content.problems.map((p) => [code(`${p.file}:${p.line}`), p.dependency ? code(p.dependency) : '—', text(p.message)])));
  }
  if (content.findings.length > 0) {
    const rows = content.findings.map((f) => [code(`${f.file}:${f.line}`), f.level, code(f.rule), text(f.message), text(f.fix)]);
    sections.push('## Reproducibility findings', table(['Where', 'Level', 'Rule', 'Finding', 'Fix'], rows));
  }
  if (content.refs.length > 0) {
    const rows = content.refs.map((r) => [code(`${r.file}:${r.line}`), r.manager, code(r.value === null ? r.name : `${r.name}:${r.value}`), text(stateOf(r))]);
    sections.push('## Dependencies', table(['File', 'Manager', 'Dependency', 'State'], rows));
  } else if (content.configErrors.length === 0 && !content.failure) {
    sections.push('## Dependencies', 'No build inputs found.');
  }
  if (content.state.ignored.length > 0) {
    sections.push('## Ignored', content.state.ignored.map((d) => `- ${code(d)} (\`/repro ignore\`)`).join('\n'));
  }
  // `>` is escaped so a dependency name can never close the HTML comment early.
  sections.push(`<!-- repro-pins:state ${JSON.stringify(content.state).replace(/>/g, '\\u003e')} -->`);
  return sections.join('\n\n');
}

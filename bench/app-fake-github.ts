/**
 * A stateful fake of the GitHub REST API on loopback, for App processes nock cannot reach (queue
 * workers in child processes, the App benchmark). It keeps what the App writes — git objects,
 * refs, pull requests, issues, comments — so a retried scan sees what a killed worker wrote, as it
 * would on GitHub, and it records every call with the installation whose token made it.
 *
 * Serve it as a GitHub Enterprise host: `GHE_HOST=<host> GHE_PROTOCOL=http` (API under /api/v3).
 * Only the endpoints the scan flow uses exist; any other call answers 404 and is listed in
 * `unhandled`, so a test can assert it saw none. It lives in bench/ (with the other loopback
 * pieces the queue tests share with `npm run bench:app`) because the image build compiles bench/
 * and not test/.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRepositorySpec {
  name: string;
  files: Record<string, string>;
  defaultBranch?: string;
  archived?: boolean;
}

export interface FakeInstallationSpec {
  id: number;
  /** The organisation the installation is on; its repositories are `<account>/<name>`. */
  account: string;
  repositories: FakeRepositorySpec[];
}

export interface RecordedCall {
  method: string;
  /** The API path without `/api/v3` and without the query. */
  path: string;
  installationId: number | null;
  at: number;
}

export interface FakePullRequest {
  number: number;
  head: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
  state: 'open' | 'closed';
}

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  author: string;
  state: 'open' | 'closed';
}

interface TreeEntry {
  mode: string;
  sha: string;
}

interface RepoState {
  owner: string;
  name: string;
  installationId: number;
  defaultBranch: string;
  archived: boolean;
  blobs: Map<string, string>;
  trees: Map<string, Map<string, TreeEntry>>;
  commits: Map<string, { message: string; tree: string; parents: string[] }>;
  refs: Map<string, string>;
  pulls: FakePullRequest[];
  issues: FakeIssue[];
  comments: Map<number, { id: number; body: string }[]>;
  checkRuns: { id: number; name: string; headSha: string; output: { title?: string; summary?: string } }[];
  statuses: { sha: string; context: string; state: string; description: string }[];
  dispatches: unknown[];
  nextNumber: number;
}

interface Hold {
  match: (call: RecordedCall) => boolean;
  arrived: () => void;
  released: Promise<void>;
}

const API_PREFIX = '/api/v3';
export const FAKE_APP_SLUG = 'repro-pins';
export const FAKE_BOT_LOGIN = `${FAKE_APP_SLUG}[bot]`;

/** Git's object id for a blob, so trees carry real-shaped blob SHAs. */
export function gitBlobSha(text: string): string {
  return createHash('sha1').update(`blob ${Buffer.byteLength(text)}\0`).update(text).digest('hex');
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** A call the App should never make (an endpoint the fake lacks, another installation's repository). */
    readonly unexpected = false,
  ) {
    super(message);
  }
}

export class FakeGitHub {
  readonly calls: RecordedCall[] = [];
  readonly unhandled: RecordedCall[] = [];
  #installations = new Map<number, FakeInstallationSpec>();
  #repos = new Map<string, RepoState>();
  #holds: Hold[] = [];
  #nextCommentId = 1;
  #nextCheckRunId = 1;
  #inFlight = 0;
  maxInFlight = 0;

  private constructor(
    private readonly server: Server,
    readonly latencyMs: number,
  ) {}

  static async start(options: { latencyMs?: number } = {}): Promise<FakeGitHub> {
    const server = createServer();
    const fake = new FakeGitHub(server, options.latencyMs ?? 0);
    server.on('request', (req, res) => void fake.#serve(req, res));
    // Workers keep connections alive; closing the fake must not wait for them.
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `host:port`, for GHE_HOST. */
  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  get apiUrl(): string {
    return `http://${this.host}${API_PREFIX}`;
  }

  /** Replaces every installation and repository (and forgets the calls). */
  load(installations: FakeInstallationSpec[]): void {
    this.calls.length = 0;
    this.unhandled.length = 0;
    this.maxInFlight = 0;
    this.#holds = [];
    this.#installations = new Map(installations.map((i) => [i.id, i]));
    this.#repos = new Map();
    for (const installation of installations) {
      for (const spec of installation.repositories) {
        const state: RepoState = {
          owner: installation.account,
          name: spec.name,
          installationId: installation.id,
          defaultBranch: spec.defaultBranch ?? 'main',
          archived: spec.archived ?? false,
          blobs: new Map(),
          trees: new Map(),
          commits: new Map(),
          refs: new Map(),
          pulls: [],
          issues: [],
          comments: new Map(),
          checkRuns: [],
          statuses: [],
          dispatches: [],
          nextNumber: 1,
        };
        const entries = new Map<string, TreeEntry>();
        for (const [path, text] of Object.entries(spec.files)) entries.set(path, { mode: '100644', sha: this.#storeBlob(state, text) });
        const tree = this.#storeTree(state, entries);
        const commit = this.#storeCommit(state, { message: 'Initial commit', tree, parents: [] });
        state.refs.set(`heads/${state.defaultBranch}`, commit);
        this.#repos.set(`${state.owner}/${state.name}`.toLowerCase(), state);
      }
    }
  }

  /**
   * The next call that matches is carried out (its write applied) but not answered until
   * `release()`: a worker waiting on it can be killed "mid-request", after GitHub did the work.
   */
  holdNext(match: (call: RecordedCall) => boolean): { arrived: Promise<void>; release: () => void } {
    let arrived!: () => void;
    let release!: () => void;
    const arrivedPromise = new Promise<void>((resolve) => (arrived = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.#holds.push({ match, arrived, released });
    return { arrived: arrivedPromise, release };
  }

  count(method: string, path: RegExp): number {
    return this.calls.filter((c) => c.method === method && path.test(c.path)).length;
  }

  pullRequests(owner: string, repo: string): FakePullRequest[] {
    return [...(this.#repo(owner, repo).pulls ?? [])];
  }

  issues(owner: string, repo: string): FakeIssue[] {
    return [...this.#repo(owner, repo).issues];
  }

  /** The text of a file on a branch, as the branch's head commit has it. */
  fileOnBranch(owner: string, repo: string, branch: string, path: string): string | null {
    const state = this.#repo(owner, repo);
    const commit = state.commits.get(state.refs.get(`heads/${branch}`) ?? '');
    const entry = commit ? state.trees.get(commit.tree)?.get(path) : undefined;
    return entry ? (state.blobs.get(entry.sha) ?? null) : null;
  }

  async close(): Promise<void> {
    for (const hold of this.#holds) hold.arrived();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  #repo(owner: string, repo: string): RepoState {
    const state = this.#repos.get(`${owner}/${repo}`.toLowerCase());
    if (!state) throw new HttpError(404, `no repository ${owner}/${repo}`);
    return state;
  }

  #storeBlob(state: RepoState, text: string): string {
    const sha = gitBlobSha(text);
    state.blobs.set(sha, text);
    return sha;
  }

  #storeTree(state: RepoState, entries: Map<string, TreeEntry>): string {
    const sha = sha1(`tree ${JSON.stringify([...entries].sort(([a], [b]) => (a < b ? -1 : 1)))}`);
    state.trees.set(sha, entries);
    return sha;
  }

  #storeCommit(state: RepoState, commit: { message: string; tree: string; parents: string[] }): string {
    const sha = sha1(`commit ${JSON.stringify(commit)}`);
    state.commits.set(sha, commit);
    return sha;
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname.startsWith(API_PREFIX) ? url.pathname.slice(API_PREFIX.length) : url.pathname;
    const method = req.method ?? 'GET';
    const call: RecordedCall = { method, path, installationId: this.#installationOf(req), at: Date.now() };
    let body: unknown;
    try {
      body = await readBody(req);
    } catch {
      return; // the client went away mid-request (a killed worker): GitHub never saw it
    }
    this.calls.push(call);
    this.#inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.#inFlight);
    let status = 200;
    let payload: unknown;
    let headers: Record<string, string> = {};
    try {
      ({ status, payload, headers = {} } = this.#route(call, url.searchParams, body, req));
    } catch (error) {
      status = error instanceof HttpError ? error.status : 500;
      payload = { message: error instanceof Error ? error.message : String(error) };
      if (!(error instanceof HttpError) || error.unexpected) this.unhandled.push(call);
    }
    const hold = this.#holds.find((h) => h.match(call));
    if (hold) {
      this.#holds.splice(this.#holds.indexOf(hold), 1);
      hold.arrived();
      await hold.released;
    }
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    this.#inFlight -= 1;
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-ratelimit-remaining': '4999', ...headers });
    res.end(status === 204 || status === 304 ? undefined : JSON.stringify(payload ?? {}));
  }

  #installationOf(req: IncomingMessage): number | null {
    const match = /^token ghs_fake_(\d+)$/i.exec(req.headers.authorization ?? '');
    return match ? Number(match[1]) : null;
  }

  /** The repository a call names, which must belong to the installation whose token made the call. */
  #authorizedRepo(call: RecordedCall, owner: string, repo: string): RepoState {
    const state = this.#repo(owner, repo);
    if (call.installationId !== state.installationId) throw new HttpError(404, `no repository ${owner}/${repo} for installation ${call.installationId}`, true);
    return state;
  }

  #route(call: RecordedCall, query: URLSearchParams, body: unknown, req: IncomingMessage): { status: number; payload?: unknown; headers?: Record<string, string> } {
    const { method, path } = call;
    const input = (body ?? {}) as Record<string, unknown>;
    let m: RegExpExecArray | null;

    if (method === 'GET' && path === '/app') return { status: 200, payload: { id: 1, slug: FAKE_APP_SLUG, name: FAKE_APP_SLUG } };
    if (method === 'GET' && path === '/app/installations') {
      return { status: 200, payload: [...this.#installations.values()].map((i) => ({ id: i.id, account: { login: i.account, type: 'Organization' } })) };
    }
    if (method === 'POST' && (m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path))) {
      if (!this.#installations.has(Number(m[1]))) throw new HttpError(404, `no installation ${m[1]}`);
      return { status: 201, payload: { token: `ghs_fake_${m[1]}`, expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: {}, repository_selection: 'all' } };
    }
    if (method === 'GET' && path === '/installation/repositories') {
      const repositories = [...this.#repos.values()].filter((r) => r.installationId === call.installationId);
      return {
        status: 200,
        payload: {
          total_count: repositories.length,
          repositories: repositories.map((r) => ({ name: r.name, full_name: `${r.owner}/${r.name}`, owner: { login: r.owner }, default_branch: r.defaultBranch, archived: r.archived })),
        },
      };
    }

    if (!(m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path))) throw new HttpError(404, 'Not Found', true);
    const state = this.#authorizedRepo(call, decodeURIComponent(m[1]!), decodeURIComponent(m[2]!));
    const rest = m[3] ?? '';

    if (method === 'GET' && rest === '') return { status: 200, payload: { name: state.name, owner: { login: state.owner }, default_branch: state.defaultBranch, archived: state.archived } };

    // Git data
    if (method === 'GET' && (m = /^\/git\/ref\/(.+)$/.exec(rest))) {
      const ref = decodeURIComponent(m[1]!);
      const sha = state.refs.get(ref);
      if (!sha) throw new HttpError(404, `no ref ${ref}`);
      const etag = `"${sha}"`;
      if (req.headers['if-none-match'] === etag) return { status: 304, headers: { etag } };
      return { status: 200, payload: { ref: `refs/${ref}`, object: { sha, type: 'commit' } }, headers: { etag } };
    }
    if (method === 'GET' && (m = /^\/git\/trees\/([0-9a-f]{40})$/.exec(rest))) {
      const treeSha = state.commits.get(m[1]!)?.tree ?? m[1]!;
      const entries = state.trees.get(treeSha);
      if (!entries) throw new HttpError(404, `no tree ${m[1]}`);
      return { status: 200, payload: { sha: treeSha, truncated: false, tree: [...entries].map(([p, e]) => ({ path: p, mode: e.mode, type: 'blob', sha: e.sha })) } };
    }
    if (method === 'GET' && (m = /^\/git\/blobs\/([0-9a-f]{40})$/.exec(rest))) {
      const text = state.blobs.get(m[1]!);
      if (text === undefined) throw new HttpError(404, `no blob ${m[1]}`);
      return { status: 200, payload: { sha: m[1], encoding: 'base64', content: Buffer.from(text).toString('base64') } };
    }
    if (method === 'POST' && rest === '/git/trees') {
      const base = state.trees.get(String(input.base_tree));
      if (!base) throw new HttpError(422, 'base_tree not found');
      const entries = new Map(base);
      for (const entry of (input.tree ?? []) as { path: string; mode: string; content: string }[]) entries.set(entry.path, { mode: entry.mode, sha: this.#storeBlob(state, entry.content) });
      return { status: 201, payload: { sha: this.#storeTree(state, entries) } };
    }
    if (method === 'POST' && rest === '/git/commits') {
      const commit = { message: String(input.message), tree: String(input.tree), parents: (input.parents ?? []) as string[] };
      if (!state.trees.has(commit.tree)) throw new HttpError(422, 'tree not found');
      return { status: 201, payload: { sha: this.#storeCommit(state, commit) } };
    }
    if (method === 'GET' && (m = /^\/git\/commits\/([0-9a-f]{40})$/.exec(rest))) {
      const commit = state.commits.get(m[1]!);
      if (!commit) throw new HttpError(404, `no commit ${m[1]}`);
      return { status: 200, payload: { sha: m[1], message: commit.message, tree: { sha: commit.tree }, parents: commit.parents.map((sha) => ({ sha })) } };
    }
    if (method === 'POST' && rest === '/git/refs') {
      const ref = String(input.ref).replace(/^refs\//, '');
      if (state.refs.has(ref)) throw new HttpError(422, 'Reference already exists');
      state.refs.set(ref, String(input.sha));
      return { status: 201, payload: { ref: `refs/${ref}`, object: { sha: input.sha } } };
    }
    if ((method === 'PATCH' || method === 'DELETE') && (m = /^\/git\/refs\/(.+)$/.exec(rest))) {
      const ref = decodeURIComponent(m[1]!);
      if (!state.refs.has(ref)) throw new HttpError(422, 'Reference does not exist');
      if (method === 'DELETE') {
        state.refs.delete(ref);
        return { status: 204 };
      }
      state.refs.set(ref, String(input.sha));
      return { status: 200, payload: { ref: `refs/${ref}`, object: { sha: input.sha } } };
    }

    // Pull requests and issues (one numbering, as on GitHub)
    if (method === 'GET' && rest === '/pulls') {
      const head = query.get('head');
      const wanted = query.get('state') ?? 'open';
      const pulls = state.pulls.filter((p) => (head === null || `${state.owner}:${p.head}` === head) && (wanted === 'all' || p.state === wanted)).reverse();
      return { status: 200, payload: pulls.map((p) => this.#pullJson(p)) };
    }
    if (method === 'POST' && rest === '/pulls') {
      const head = String(input.head);
      if (!state.refs.has(`heads/${head}`)) throw new HttpError(422, `head ${head} does not exist`);
      if (state.pulls.some((p) => p.head === head && p.state === 'open')) throw new HttpError(422, `A pull request already exists for ${state.owner}:${head}.`);
      const pull: FakePullRequest = { number: state.nextNumber++, head, base: String(input.base), title: String(input.title), body: String(input.body ?? ''), draft: input.draft === true, state: 'open' };
      state.pulls.push(pull);
      return { status: 201, payload: this.#pullJson(pull) };
    }
    if (method === 'PATCH' && (m = /^\/pulls\/(\d+)$/.exec(rest))) {
      const pull = state.pulls.find((p) => p.number === Number(m![1]));
      if (!pull) throw new HttpError(404, `no pull request ${m[1]}`);
      if (typeof input.title === 'string') pull.title = input.title;
      if (typeof input.body === 'string') pull.body = input.body;
      if (input.state === 'closed' || input.state === 'open') pull.state = input.state;
      return { status: 200, payload: this.#pullJson(pull) };
    }
    if (method === 'GET' && (m = /^\/pulls\/(\d+)$/.exec(rest))) {
      const pull = state.pulls.find((p) => p.number === Number(m![1]));
      if (!pull) throw new HttpError(404, `no pull request ${m[1]}`);
      return { status: 200, payload: this.#pullJson(pull) };
    }
    if (method === 'GET' && rest === '/issues') {
      const creator = query.get('creator');
      const wanted = query.get('state') ?? 'open';
      const issues = state.issues.filter((i) => (creator === null || i.author === creator) && (wanted === 'all' || i.state === wanted)).reverse();
      return { status: 200, payload: issues.map((i) => ({ number: i.number, title: i.title, body: i.body, state: i.state, user: { login: i.author } })) };
    }
    if (method === 'POST' && rest === '/issues') {
      const issue: FakeIssue = { number: state.nextNumber++, title: String(input.title), body: String(input.body ?? ''), author: FAKE_BOT_LOGIN, state: 'open' };
      state.issues.push(issue);
      return { status: 201, payload: { number: issue.number } };
    }
    if (method === 'PATCH' && (m = /^\/issues\/(\d+)$/.exec(rest))) {
      const issue = state.issues.find((i) => i.number === Number(m![1]));
      if (!issue) throw new HttpError(404, `no issue ${m[1]}`);
      if (typeof input.body === 'string') issue.body = input.body;
      if (input.state === 'closed' || input.state === 'open') issue.state = input.state;
      return { status: 200, payload: { number: issue.number } };
    }
    if ((m = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      const number = Number(m[1]);
      if (!state.issues.some((i) => i.number === number) && !state.pulls.some((p) => p.number === number)) throw new HttpError(404, `no issue ${number}`);
      const comments = state.comments.get(number) ?? [];
      if (method === 'GET') return { status: 200, payload: comments.map((c) => ({ id: c.id, body: c.body, user: { login: FAKE_BOT_LOGIN } })) };
      if (method === 'POST') {
        const comment = { id: this.#nextCommentId++, body: String(input.body) };
        state.comments.set(number, [...comments, comment]);
        return { status: 201, payload: comment };
      }
    }
    if (method === 'PATCH' && (m = /^\/issues\/comments\/(\d+)$/.exec(rest))) {
      const comment = [...state.comments.values()].flat().find((c) => c.id === Number(m![1]));
      if (!comment) throw new HttpError(404, `no comment ${m[1]}`);
      comment.body = String(input.body);
      return { status: 200, payload: comment };
    }

    // Checks, statuses, workflow dispatches
    if (method === 'GET' && (m = /^\/commits\/([^/]+)\/check-runs$/.exec(rest))) {
      const name = query.get('check_name');
      const runs = state.checkRuns.filter((r) => r.headSha === m![1] && (name === null || r.name === name)).reverse();
      return { status: 200, payload: { total_count: runs.length, check_runs: runs.map((r) => ({ id: r.id, name: r.name, head_sha: r.headSha, output: r.output })) } };
    }
    if (method === 'POST' && rest === '/check-runs') {
      const run = { id: this.#nextCheckRunId++, name: String(input.name), headSha: String(input.head_sha), output: (input.output ?? {}) as { title?: string; summary?: string } };
      state.checkRuns.push(run);
      return { status: 201, payload: { id: run.id } };
    }
    if (method === 'PATCH' && (m = /^\/check-runs\/(\d+)$/.exec(rest))) {
      if (!state.checkRuns.some((r) => r.id === Number(m![1]))) throw new HttpError(404, `no check run ${m[1]}`);
      return { status: 200, payload: { id: Number(m[1]) } };
    }
    if (method === 'POST' && (m = /^\/statuses\/([0-9a-f]{40})$/.exec(rest))) {
      state.statuses.push({ sha: m[1]!, context: String(input.context), state: String(input.state), description: String(input.description ?? '') });
      return { status: 201, payload: {} };
    }
    if (method === 'GET' && (m = /^\/commits\/([^/]+)\/statuses$/.exec(rest))) {
      const statuses = state.statuses.filter((st) => st.sha === m![1]).reverse();
      return { status: 200, payload: statuses.map((st) => ({ context: st.context, state: st.state, description: st.description })) };
    }
    if (method === 'POST' && /^\/actions\/workflows\/[^/]+\/dispatches$/.test(rest)) {
      state.dispatches.push(input);
      return { status: 204 };
    }
    throw new HttpError(404, 'Not Found', true);
  }

  /** Check runs the App published on a repository: name and head commit. */
  checkRuns(owner: string, repo: string): { name: string; headSha: string }[] {
    return this.#repo(owner, repo).checkRuns.map((r) => ({ name: r.name, headSha: r.headSha }));
  }

  #pullJson(p: FakePullRequest) {
    return { number: p.number, node_id: `PR_${p.number}`, head: { ref: p.head }, base: { ref: p.base }, title: p.title, body: p.body, draft: p.draft, state: p.state, merged_at: null };
  }

  /** Comments on an issue or pull request. */
  comments(owner: string, repo: string, number: number): string[] {
    return (this.#repo(owner, repo).comments.get(number) ?? []).map((c) => c.body);
  }
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (!req.complete) throw new Error('aborted');
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

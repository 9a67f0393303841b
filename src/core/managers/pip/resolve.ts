import { compare, explain, satisfies } from '@renovatebot/pep440';
import type { PythonIndexClient, IndexSelection } from '../../datasources/python-index/client.js';
import { isWheelCompatible, normalizeProjectName, type DistributionFile, type TargetInterpreter } from '../../datasources/python-index/distributions.js';
import type { Problem } from '../../reference.js';
import { markerApplies, parseRequirement, type Marker, type MarkerEnvironment } from './pep508.js';

/**
 * A backtracking-free resolver, enough for pinning: each package gets the newest version that
 * satisfies every specifier collected so far, installs on the target interpreter and is not
 * yanked. When a later specifier rules the chosen version out, the package is chosen again (a
 * few times at most) and what it required is withdrawn; when nothing satisfies everything, the
 * conflict is reported with the requirements that caused it.
 */

export interface Source {
  file: string;
  line: number;
}

/** A requirement pip installs: one line of the file or of a file it includes with `-r`. */
export interface RootRequirement {
  name: string;
  extras: string[];
  specifier: string;
  marker: Marker | null;
  source: Source;
  /** sha256 hashes the line already carries: a version whose files match them is preferred (it is what pip installs today). */
  existingHashes: string[];
}

/** A `-c` line: it narrows a package's versions only if something installs it. */
export interface ConstraintRequirement {
  name: string;
  specifier: string;
  marker: Marker | null;
  source: Source;
}

export interface ResolveRequest {
  roots: RootRequirement[];
  constraints: ConstraintRequirement[];
  /** Versions a previous run chose (the added block): kept while they still fit. */
  preferences: ReadonlyMap<string, string>;
  target: TargetInterpreter;
  environment: MarkerEnvironment;
  selection: IndexSelection;
  index: PythonIndexClient;
  /** False for a constraints file: its lines are pinned, what they require is not followed. */
  transitive: boolean;
  /** Normalised names of `ignoreDeps`: never looked up, never added. */
  ignored: ReadonlySet<string>;
}

export interface ResolvedPackage {
  key: string;
  /** The name as first written (a root's spelling, else the Requires-Dist spelling). */
  name: string;
  version: string;
  files: DistributionFile[];
  /** Keys of the resolved packages that require it. */
  requiredBy: Set<string>;
  /** The root line that first led to it. */
  source: Source;
}

export interface Resolution {
  /** Every package the active roots install, by normalised name. */
  packages: Map<string, ResolvedPackage>;
  /** For each root (same order as the request): its resolved package, or null when it failed. */
  roots: (ResolvedPackage | null)[];
  /** Which roots are active on the target (their marker holds). */
  active: boolean[];
  problems: Problem[];
}

type Origin = { kind: 'root'; root: number } | { kind: 'constraint'; constraint: number } | { kind: 'dependency'; parent: string; parentVersion: string };

interface Spec {
  specifier: string;
  origin: Origin;
}

interface Node {
  key: string;
  name: string;
  specs: Spec[];
  extras: Set<string>;
  chosen: string | null;
  files: DistributionFile[] | null;
  /** Requires-Dist lines of the chosen version already applied. */
  applied: Set<number>;
  dependencies: Map<string, Spec>;
  /** The chain of packages that first reached it: `top==1.0`, `mid==2.0`. */
  via: string[];
  /** The root line that first led to it: where its problems are reported. */
  source: Source;
  rechoices: number;
  failed: boolean;
  preferredHashes: Set<string>;
}

const MAX_RECHOICES = 3;

export async function resolveRequirements(request: ResolveRequest): Promise<Resolution> {
  return new Resolver(request).run();
}

class Resolver {
  readonly #request: ResolveRequest;
  readonly #nodes = new Map<string, Node>();
  readonly #queue = new Set<string>();
  readonly #problems: Problem[] = [];
  readonly #pages = new Map<string, DistributionFile[] | null>();
  readonly #metadata = new Map<string, string[] | null>();
  readonly #active: boolean[];

  constructor(request: ResolveRequest) {
    this.#request = request;
    this.#active = request.roots.map((root) => markerApplies(root.marker, request.environment));
  }

  async run(): Promise<Resolution> {
    const { roots } = this.#request;
    roots.forEach((root, index) => {
      if (!this.#active[index]) return;
      const node = this.#add(root.name, { specifier: root.specifier, origin: { kind: 'root', root: index } }, root.extras, [], root.source);
      for (const hash of root.existingHashes) node.preferredHashes.add(hash);
    });
    while (this.#queue.size > 0) {
      const wave = [...this.#queue].map((key) => this.#nodes.get(key)!);
      this.#queue.clear();
      await Promise.all(wave.map((node) => this.#loadPage(node.key, node.name)));
      for (const node of wave) this.#choose(node);
      if (!this.#request.transitive) continue;
      await Promise.all(wave.filter((n) => n.chosen !== null && !n.failed).map((n) => this.#loadMetadata(n)));
      for (const node of wave) this.#expand(node);
    }
    const packages = this.#closure();
    const resolvedRoots = await Promise.all(
      roots.map(async (root, index) => {
        if (this.#active[index]) return packages.get(normalizeProjectName(root.name)) ?? null;
        return this.#resolveInactive(root);
      }),
    );
    return { packages, roots: resolvedRoots, active: this.#active, problems: this.#problems };
  }

  #add(name: string, spec: Spec, extras: string[], via: string[], source: Source): Node {
    const key = normalizeProjectName(name);
    let node = this.#nodes.get(key);
    if (!node) {
      node = {
        key,
        name,
        specs: [],
        extras: new Set(),
        chosen: null,
        files: null,
        applied: new Set(),
        dependencies: new Map(),
        via,
        source,
        rechoices: 0,
        failed: false,
        preferredHashes: new Set(),
      };
      this.#nodes.set(key, node);
      this.#queue.add(key);
    }
    node.specs.push(spec);
    for (const extra of extras) {
      const normalized = normalizeProjectName(extra);
      if (!node.extras.has(normalized)) {
        node.extras.add(normalized);
        this.#queue.add(key);
      }
    }
    if (node.chosen !== null && !node.failed && !this.#allows(spec.specifier, node.chosen)) this.#queue.add(key);
    return node;
  }

  async #loadPage(key: string, name: string): Promise<void> {
    if (this.#pages.has(key)) return;
    const page = await this.#request.index.findProject(name, this.#request.selection);
    const node = this.#nodes.get(key)!;
    if (!page.ok) {
      this.#pages.set(key, null);
      this.#fail(node, `${page.message}${this.#viaText(node)}`);
      return;
    }
    this.#pages.set(key, page.files);
  }

  /** The specifiers that bind a node: its own and the `-c` lines for it. */
  #specsOf(node: Node): Spec[] {
    const constraints = this.#request.constraints
      .map((constraint, index): Spec | null =>
        normalizeProjectName(constraint.name) === node.key && markerApplies(constraint.marker, this.#request.environment)
          ? { specifier: constraint.specifier, origin: { kind: 'constraint', constraint: index } }
          : null,
      )
      .filter((s): s is Spec => s !== null);
    return [...node.specs, ...constraints];
  }

  #choose(node: Node): void {
    if (node.failed) return;
    const files = this.#pages.get(node.key);
    if (!files) return;
    const specs = this.#specsOf(node);
    if (node.chosen !== null && specs.every((s) => this.#allows(s.specifier, node.chosen!))) return;
    if (node.chosen !== null) {
      if (node.rechoices >= MAX_RECHOICES) {
        this.#fail(node, this.#conflictMessage(node, specs));
        return;
      }
      node.rechoices += 1;
      this.#withdraw(node);
    }
    const choice = chooseVersion(files, specs.map((s) => s.specifier), this.#request.target, {
      exact: specs.some((s) => exactVersion(s.specifier) !== null),
      preferredHashes: node.preferredHashes,
      preferredVersion: this.#request.preferences.get(node.key) ?? null,
      checkInterpreter: true,
    });
    if (!choice.ok) {
      this.#fail(node, choice.unsatisfiable ? this.#conflictMessage(node, specs) : `${choice.message}${this.#viaText(node)}`);
      return;
    }
    node.chosen = choice.version;
    node.files = files.filter((f) => f.version === choice.version);
  }

  /** Takes back what the node's previous version required, before it is chosen again. */
  #withdraw(node: Node): void {
    for (const other of this.#nodes.values()) {
      other.specs = other.specs.filter((s) => !(s.origin.kind === 'dependency' && s.origin.parent === node.key));
    }
    node.chosen = null;
    node.files = null;
    node.applied.clear();
    node.dependencies.clear();
  }

  async #loadMetadata(node: Node): Promise<void> {
    const id = `${node.key}==${node.chosen}`;
    if (this.#metadata.has(id)) return;
    this.#metadata.set(id, null);
    const read = await this.#request.index.readCoreMetadata(node.name, node.files ?? [], this.#request.target);
    if (!read.ok) {
      this.#fail(node, `${node.name} ${node.chosen}: cannot read its dependencies: ${read.message}${this.#viaText(node)}`);
      return;
    }
    this.#metadata.set(id, read.metadata.requiresDist);
  }

  #expand(node: Node): void {
    if (node.failed || node.chosen === null) return;
    const requiresDist = this.#metadata.get(`${node.key}==${node.chosen}`);
    if (!requiresDist) return;
    const parent = `${node.name}==${node.chosen}`;
    requiresDist.forEach((line, index) => {
      if (node.applied.has(index)) return;
      const parsed = parseRequirement(line);
      if (!parsed.ok) {
        this.#problem(node, `${parent} declares an invalid dependency "${line}": ${parsed.message}`);
        node.applied.add(index);
        return;
      }
      const dep = parsed.requirement;
      if (!markerApplies(dep.marker, this.#request.environment, node.extras)) return;
      node.applied.add(index);
      if (dep.url !== null) {
        this.#problem(node, `${parent} depends on ${dep.name} from a URL (${dep.url}), which cannot be pinned from an index`);
        return;
      }
      if (this.#request.ignored.has(normalizeProjectName(dep.name))) return;
      const spec: Spec = { specifier: dep.specifier, origin: { kind: 'dependency', parent: node.key, parentVersion: node.chosen! } };
      node.dependencies.set(normalizeProjectName(dep.name), spec);
      this.#add(dep.name, spec, dep.extras, [...node.via, parent], node.source);
    });
  }

  /** Everything the active roots reach through the chosen versions, each edge checked once more. */
  #closure(): Map<string, ResolvedPackage> {
    const packages = new Map<string, ResolvedPackage>();
    const pending: string[] = [];
    this.#request.roots.forEach((root, index) => {
      if (this.#active[index]) pending.push(normalizeProjectName(root.name));
    });
    while (pending.length > 0) {
      const key = pending.pop()!;
      const node = this.#nodes.get(key);
      if (!node || node.failed || node.chosen === null || !node.files || packages.has(key)) continue;
      packages.set(key, { key, name: node.name, version: node.chosen, files: node.files, requiredBy: new Set(), source: node.source });
      for (const child of node.dependencies.keys()) pending.push(child);
    }
    for (const key of packages.keys()) {
      const node = this.#nodes.get(key)!;
      for (const [child, spec] of node.dependencies) {
        const resolved = packages.get(child);
        if (!resolved) continue;
        resolved.requiredBy.add(key);
        if (!this.#allows(spec.specifier, resolved.version)) {
          const childNode = this.#nodes.get(child)!;
          this.#fail(childNode, this.#conflictMessage(childNode, this.#specsOf(childNode)));
        }
      }
    }
    for (const [key] of packages) if (this.#nodes.get(key)?.failed) packages.delete(key);
    return packages;
  }

  /** A root whose marker is false on the target is still pinned, as written, but installs nothing here. */
  async #resolveInactive(root: RootRequirement): Promise<ResolvedPackage | null> {
    const page = await this.#request.index.findProject(root.name, this.#request.selection);
    if (!page.ok) {
      this.#problems.push({ ...root.source, dependency: root.name, message: page.message });
      return null;
    }
    const constraints = this.#request.constraints.filter((c) => normalizeProjectName(c.name) === normalizeProjectName(root.name)).map((c) => c.specifier);
    const choice = chooseVersion(page.files, [root.specifier, ...constraints], this.#request.target, {
      exact: exactVersion(root.specifier) !== null,
      preferredHashes: new Set(root.existingHashes),
      preferredVersion: null,
      checkInterpreter: false,
    });
    if (!choice.ok) {
      this.#problems.push({ ...root.source, dependency: root.name, message: choice.message });
      return null;
    }
    const key = normalizeProjectName(root.name);
    return { key, name: root.name, version: choice.version, files: page.files.filter((f) => f.version === choice.version), requiredBy: new Set(), source: root.source };
  }

  #allows(specifier: string, version: string): boolean {
    return specifier === '' || satisfies(version, specifier, { prereleases: true });
  }

  #fail(node: Node, message: string): void {
    if (node.failed) return;
    node.failed = true;
    this.#problem(node, message);
  }

  #problem(node: Node, message: string): void {
    this.#problems.push({ file: node.source.file, line: node.source.line, dependency: node.name, message });
  }

  #viaText(node: Node): string {
    return node.via.length > 0 ? ` (required by ${node.via.join(' → ')})` : '';
  }

  /** `no version of b satisfies every requirement: a==1.0 requires b<2 (via top==1.0), but requirements.txt:3 requires b>=2` */
  #conflictMessage(node: Node, specs: Spec[]): string {
    const described = specs.filter((s) => s.specifier !== '').map((s) => this.#describeSpec(node, s));
    const unique = [...new Set(described)];
    const reasons = unique.length > 1 ? `${unique.slice(0, -1).join(', ')}, but ${unique[unique.length - 1]}` : (unique[0] ?? 'no version is available');
    return `no version of ${node.name} satisfies every requirement: ${reasons}`;
  }

  #describeSpec(node: Node, spec: Spec): string {
    const wanted = `${node.name}${spec.specifier}`;
    switch (spec.origin.kind) {
      case 'root': {
        const root = this.#request.roots[spec.origin.root]!;
        return `${root.source.file}:${root.source.line} requires ${wanted}`;
      }
      case 'constraint': {
        const constraint = this.#request.constraints[spec.origin.constraint]!;
        return `${constraint.source.file}:${constraint.source.line} constrains ${wanted}`;
      }
      case 'dependency': {
        const parent = this.#nodes.get(spec.origin.parent);
        const name = parent?.name ?? spec.origin.parent;
        const via = parent && parent.via.length > 0 ? ` (via ${parent.via.join(' → ')})` : parent ? ` (${parent.source.file}:${parent.source.line})` : '';
        return `${name}==${spec.origin.parentVersion} requires ${wanted}${via}`;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------

export interface ChoiceOptions {
  /** Some specifier pins one version exactly: yanked files are then allowed (PEP 592). */
  exact: boolean;
  preferredHashes: ReadonlySet<string>;
  preferredVersion: string | null;
  /** Whether files must install on the target (false for a line whose marker excludes the target). */
  checkInterpreter: boolean;
}

export type Choice = { ok: true; version: string } | { ok: false; unsatisfiable: boolean; message: string };

/**
 * The version pip would pick: newest first, final releases before pre-releases unless only
 * pre-releases match (packaging's `SpecifierSet.filter`), skipping yanked files unless pinned
 * exactly, and requiring a file that installs on the target.
 */
export function chooseVersion(files: DistributionFile[], specifiers: string[], target: TargetInterpreter, options: ChoiceOptions): Choice {
  const versions = [...new Set(files.map((f) => f.version))].sort((a, b) => compare(b, a));
  // An empty specifier allows any final release; pre-releases only when nothing else matches.
  const matches = (prereleases: boolean) =>
    versions.filter((v) => specifiers.every((s) => (s === '' ? prereleases || !explain(v)?.is_prerelease : satisfies(v, s, { prereleases }))));
  let matching = matches(false);
  if (matching.length === 0) matching = matches(true);
  if (matching.length === 0) return { ok: false, unsatisfiable: true, message: `no version matches ${specifiers.filter(Boolean).join(', ')}` };
  const fullVersion = /^\d+\.\d+$/.test(target.pythonVersion) ? `${target.pythonVersion}.0` : target.pythonVersion;
  const installable = (file: DistributionFile) =>
    !options.checkInterpreter ||
    ((file.requiresPython === null || safeSatisfies(fullVersion, file.requiresPython)) && (file.kind === 'sdist' || isWheelCompatible(file.tags, target)));
  const usable = matching.filter((v) => files.some((f) => f.version === v && installable(f) && (f.yanked === null || options.exact)));
  if (usable.length === 0) {
    const newest = matching[0]!;
    const newestFiles = files.filter((f) => f.version === newest);
    const why = newestFiles.every((f) => f.yanked !== null)
      ? `${newest} is yanked${newestFiles[0]?.yanked ? ` (${newestFiles[0].yanked})` : ''}, and pip only installs a yanked version pinned with ==`
      : `${newest} has no file that installs on CPython ${target.pythonVersion} on Linux x86_64${newestFiles.some((f) => f.requiresPython) ? ` (Requires-Python ${newestFiles.find((f) => f.requiresPython)!.requiresPython})` : ''}`;
    return { ok: false, unsatisfiable: false, message: `no usable version matches ${specifiers.filter(Boolean).join(', ') || 'any version'}: ${why}` };
  }
  const withHashes = options.preferredHashes.size > 0 ? usable.find((v) => files.some((f) => f.version === v && f.sha256 !== null && options.preferredHashes.has(f.sha256))) : undefined;
  const preferred = options.preferredVersion !== null ? usable.find((v) => v === options.preferredVersion) : undefined;
  return { ok: true, version: withHashes ?? preferred ?? usable[0]! };
}

/** The version an `==X` or `===X` specifier names (no wildcard), else null. */
export function exactVersion(specifier: string): string | null {
  const match = /^\s*===?\s*([^\s,*]+)\s*$/.exec(specifier);
  return match ? match[1]! : null;
}

function safeSatisfies(version: string, specifier: string): boolean {
  try {
    return satisfies(version, specifier, { prereleases: true });
  } catch {
    // An unparseable Requires-Python: pip ignores it with a warning (PackageFinder._check_link_requires_python).
    return true;
  }
}

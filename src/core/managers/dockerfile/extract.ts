import { isImageRefError, parseImageRef } from '../../image-ref.js';
import { lineAt, type DependencyRef, type Extraction, type Problem, type SourceFile } from '../../reference.js';
import { parseDockerfile, tokenSpan, type Instruction, type Token } from './instructions.js';
import { expand, pinSpot, type BuildArg } from './variables.js';

/**
 * Image references of a Dockerfile: the `# syntax=` frontend, every FROM that is not `scratch`
 * or an earlier stage, `COPY|ADD --from=<image>` and `RUN --mount=...,from=<image>`.
 */
export function extractDockerfile(file: SourceFile): Extraction {
  const { directives, escape, instructions, tooLarge } = parseDockerfile(file.text);
  const refs: DependencyRef[] = [];
  const problems: Problem[] = [];
  if (tooLarge) return { refs, problems: [{ file: file.path, line: 1, dependency: null, message: tooLarge }] };

  const report = (at: number, written: string, expanded: string, site: DependencyRef['site'] | null, skipped: string | null) => {
    const line = lineAt(file.text, at);
    const parsed = parseImageRef(expanded);
    if (isImageRefError(parsed)) {
      problems.push({ file: file.path, line, dependency: written, message: parsed.error });
      return;
    }
    refs.push({
      file: file.path,
      line,
      manager: 'dockerfile',
      datasource: 'docker',
      name: parsed.name,
      value: parsed.tag,
      digest: parsed.digest,
      pinned: parsed.digest !== null,
      skipped,
      ...(site && !skipped ? { site } : {}),
    });
  };

  const syntax = directives.find((d) => d.key === 'syntax');
  if (syntax && syntax.value) {
    report(syntax.start, syntax.value, syntax.value, { span: { start: syntax.start, end: syntax.start + syntax.value.length }, raw: syntax.value }, null);
  }

  const args = new ArgScopes();
  const stageNames: string[] = [];
  const laterStageNames = new Set(
    instructions.filter((i) => i.keyword === 'FROM').flatMap((i) => stageAlias(i) ?? []),
  );

  /** Reports an image written as `token` (or part of it), following a sole `${ARG}` to its default. */
  const reportImage = (token: Token, from: number, scope: Map<string, BuildArg>, isStage: (name: string) => boolean) => {
    const written = token.text.slice(from);
    const at = token.offsets.at(from) ?? 0;
    const expanded = expand(written, scope, escape);
    if ('unresolved' in expanded) {
      const line = lineAt(file.text, at);
      refs.push({ file: file.path, line, manager: 'dockerfile', datasource: 'docker', name: written, value: null, digest: null, pinned: false, skipped: expanded.unresolved });
      return;
    }
    const image = expanded.value;
    if (image.toLowerCase() === 'scratch' || isStage(image.toLowerCase())) return;
    // `FROM foo-$TARGETARCH` is another image on every platform: one digest cannot pin it.
    const perPlatform = expanded.platform ? `the image depends on the target platform (${written}), so one digest cannot pin it for every platform` : null;
    report(at, written, image, pinSite(token, from, scope), perPlatform);
  };

  const pinSite = (token: Token, from: number, scope: Map<string, BuildArg>): DependencyRef['site'] | null => {
    const written = token.text.slice(from);
    // The value may live in the ARG default (or the inline `:-default`): pin it there, so the
    // build argument keeps working for whoever overrides it; inside quotes when it is quoted.
    const spot = pinSpot(written, scope, escape);
    if (spot === null) return null;
    if ('arg' in spot) return spot.arg.site ? { span: { start: spot.arg.site.start, end: spot.arg.site.end }, raw: spot.arg.site.raw } : null;
    const span = tokenSpan(token, from + spot.from, from + spot.to);
    return span && spot.to > spot.from ? { span, raw: written.slice(spot.from, spot.to) } : null;
  };

  for (const instruction of instructions) {
    switch (instruction.keyword) {
      case 'ARG':
        args.declare(instruction, escape);
        break;
      case 'FROM': {
        const imageIndex = instruction.args.findIndex((t) => !t.text.startsWith('--'));
        const image = instruction.args[imageIndex];
        if (image) {
          const earlier = new Set(stageNames);
          reportImage(image, 0, args.global, (name) => earlier.has(name));
        }
        const alias = stageAlias(instruction);
        if (alias) stageNames.push(alias);
        args.enterStage();
        break;
      }
      case 'COPY':
      case 'ADD':
        for (const flag of instruction.args) {
          if (!flag.text.startsWith('--')) break;
          if (/^--from=/i.test(flag.text)) {
            const isStage = (name: string) => /^\d+$/.test(name) || laterStageNames.has(name);
            reportImage(flag, '--from='.length, args.current, isStage);
          }
        }
        break;
      case 'RUN':
        for (const flag of instruction.args) {
          if (!flag.text.startsWith('--')) break;
          if (!/^--mount=/i.test(flag.text)) continue;
          // --mount=type=bind,from=<stage|image>,source=...: options are comma-separated key=value.
          let offset = '--mount='.length;
          for (const option of flag.text.slice(offset).split(',')) {
            if (/^from=/i.test(option)) {
              const valueToken: Token = { text: flag.text.slice(0, offset + option.length), offsets: flag.offsets.slice(0, offset + option.length) };
              const isStage = (name: string) => /^\d+$/.test(name) || laterStageNames.has(name);
              reportImage(valueToken, offset + 'from='.length, args.current, isStage);
            }
            offset += option.length + 1;
          }
        }
        break;
      default:
        break;
    }
  }
  return { refs, problems };
}

export function stageAlias(instruction: Instruction): string | null {
  const args = instruction.args.filter((t) => !t.text.startsWith('--'));
  return args.length >= 3 && args[1]!.text.toLowerCase() === 'as' ? args[2]!.text.toLowerCase() : null;
}

/**
 * BuildKit's automatic platform ARGs, defined in the global scope so FROM lines use them without
 * declaring them (https://docs.docker.com/reference/dockerfile/#automatic-platform-args-in-the-global-scope).
 * They take the values of linux/amd64, the platform repro-pins resolves for unless told otherwise:
 * enough to follow `FROM alpine-$TARGETARCH` to its stage; an image whose name depends on them is
 * reported as not pinnable by one digest (see `reportImage`).
 */
function automaticPlatformArgs(): [string, BuildArg][] {
  const values = { PLATFORM: 'linux/amd64', OS: 'linux', ARCH: 'amd64', VARIANT: '' };
  return ['TARGET', 'BUILD'].flatMap((side) =>
    Object.entries(values).map(([part, value]): [string, BuildArg] => [`${side}${part}`, { name: `${side}${part}`, value, site: null, platform: true }]),
  );
}

/**
 * ARG scoping as BuildKit applies it: ARGs before the first FROM are global and only FROM sees
 * them; inside a stage, an ARG redeclared without a value takes the global default.
 */
export class ArgScopes {
  readonly global = new Map<string, BuildArg>(automaticPlatformArgs());
  #stage: Map<string, BuildArg> | null = null;

  get current(): Map<string, BuildArg> {
    return this.#stage ?? this.global;
  }

  declare(instruction: Instruction, escape: string): void {
    for (const arg of parseArgs(instruction, escape, this.current)) {
      // `ARG TARGETARCH` without a value keeps the automatic value, in the global scope too.
      const global = this.global.get(arg.name);
      const valueless = arg.value === null && !arg.unresolved;
      this.current.set(arg.name, valueless && (this.#stage || global?.platform) ? (global ?? arg) : arg);
    }
  }

  enterStage(): void {
    this.#stage = new Map();
  }
}

/**
 * `ARG A=1 B="2" C=${C:-'3'}`: each name with its default, expanded with the ARGs declared
 * before it and its quotes removed as BuildKit's lexer removes them; the site is where a pin of
 * the default goes (inside its quotes).
 */
export function parseArgs(instruction: Instruction, escape: string, scope: Map<string, BuildArg>): BuildArg[] {
  const args: BuildArg[] = [];
  const visible = new Map(scope);
  for (const token of instruction.args) {
    const eq = token.text.indexOf('=');
    if (eq === -1) {
      args.push({ name: token.text, value: null, site: null });
      continue;
    }
    const name = token.text.slice(0, eq);
    const from = eq + 1;
    const written = token.text.slice(from);
    const expanded = expand(written, visible, escape);
    const arg: BuildArg = 'value' in expanded
      ? { name, value: expanded.value, site: defaultSite(token, from, visible, escape), ...(expanded.platform ? { platform: true as const } : {}) }
      : { name, value: null, site: null, unresolved: expanded.unresolved };
    visible.set(name, arg);
    args.push(arg);
  }
  return args;
}

/** Where a pin of an ARG default written in `token` from `from` goes: inside its quotes, or at the ARG it takes whole. */
function defaultSite(token: Token, from: number, visible: Map<string, BuildArg>, escape: string): BuildArg['site'] {
  const written = token.text.slice(from);
  const spot = pinSpot(written, visible, escape);
  if (spot === null) return null;
  if ('arg' in spot) return spot.arg.site;
  const span = spot.to > spot.from ? tokenSpan(token, from + spot.from, from + spot.to) : null;
  return span ? { ...span, raw: written.slice(spot.from, spot.to) } : null;
}

import { isMap, isScalar, type Scalar } from 'yaml';
import { isImageRefError, parseImageRef } from '../../image-ref.js';
import { lineAt, type DependencyRef, type Extraction, type Problem, type SourceFile } from '../../reference.js';
import { soleVariable } from '../dockerfile/variables.js';
import { extractImageScalars, hasValue, mapEntries, mapGet, mergeExtractions, parseYamlDocuments, scalarContent, type YamlDocument } from '../yaml-scalars.js';
import { readEnvFile, type EnvFile } from './env-file.js';
import { interpolate } from './interpolation.js';

/** The `.env` compose reads for interpolation: the one in the compose file's directory. */
export function envFileBeside(path: string): string {
  const slash = path.lastIndexOf('/');
  return `${slash === -1 ? '' : path.slice(0, slash + 1)}.env`;
}

/**
 * `services.*.image` of every document in a compose file (top-level services in a v1 file). A
 * service that also has `build:` is left out: its `image:` names the image compose builds and
 * tags, not one it pulls, so there is nothing to pin (Renovate's docker-compose manager skips
 * them for the same reason). `${VAR}` is read from the `.env` beside the file, when it is given.
 */
export function extractCompose(file: SourceFile, companions: ReadonlyMap<string, string> = new Map()): Extraction {
  const { documents, problems } = parseYamlDocuments(file);
  const envPath = envFileBeside(file.path);
  const envText = companions.get(envPath);
  const env = envText === undefined ? null : readEnvFile(envText);
  // An anchored scalar reached through several aliases is one reference: a pin there serves all.
  const images = [...new Set(documents.flatMap(serviceImages))];
  const parts: Extraction[] = [{ refs: [], problems }];
  let interpolates = false;
  for (const node of images) {
    const content = scalarContent(file.text, node);
    if (content !== null && usesInterpolation(content.text)) {
      interpolates = true;
      const found = interpolatedImage(file, content, env, envPath);
      parts.push('message' in found ? { refs: [], problems: [found] } : { refs: [found], problems: [] });
    } else {
      parts.push(extractImageScalars(file, [{ node }], { manager: 'compose', unresolved: () => null }));
    }
  }
  // A bad .env line matters only to a file that interpolates: it may be the variable it needed.
  if (interpolates && env) parts.push({ refs: [], problems: env.problems.map((p) => ({ file: envPath, line: p.line, dependency: null, message: p.message })) });
  return mergeExtractions(...parts);
}

function serviceImages(doc: YamlDocument): Scalar[] {
  const images: Scalar[] = [];
  for (const [, service] of servicesOf(doc)) {
    if (hasValue(mapGet(doc, service, 'build'))) continue;
    const image = mapGet(doc, service, 'image');
    if (isScalar(image)) images.push(image);
  }
  return images;
}

/**
 * The services of a document: under `services:`, or at the top level in a version 1 file
 * (https://github.com/docker/compose/blob/1.29.2/compose/config/config.py, no `version:` key,
 * every service a mapping with `image:` or `build:`, which v1 required). Anything else is not
 * read as v1, so an unrelated YAML file that happens to match the name yields nothing.
 */
function servicesOf(doc: YamlDocument): ReturnType<typeof mapEntries> {
  const services = mapGet(doc, doc.contents, 'services');
  if (hasValue(services)) return mapEntries(doc, services);
  if (!isMap(doc.contents)) return [];
  const top = mapEntries(doc, doc.contents).filter(([key]) => !key.startsWith('x-'));
  const isV1 =
    top.length > 0 &&
    top.every(([key, value]) => key !== 'version' && isMap(value) && (hasValue(mapGet(doc, value, 'image')) || hasValue(mapGet(doc, value, 'build'))));
  return isV1 ? top : [];
}

/**
 * Compose substitutes `$VAR` and `${VAR...}` when it runs
 * (https://docs.docker.com/reference/compose-file/interpolation/); `$$` is a literal `$`.
 */
function usesInterpolation(text: string): boolean {
  return /\$(?:\{|[A-Za-z_])/.test(text.replaceAll('$$', ''));
}

type Content = NonNullable<ReturnType<typeof scalarContent>>;

/**
 * An image that is one variable, `${VAR}`, `${VAR:-default}` or `${VAR-default}`, resolved as
 * compose resolves it: from `.env` when the variable is set there (`:-` also wants it non-empty),
 * else from the default, which is pinned inside the braces as the Dockerfile manager pins
 * `${ARG:-default}`. Anything else with a variable in it is reported as skipped.
 */
function interpolatedImage(file: SourceFile, content: Content, env: EnvFile | null, envPath: string): DependencyRef | Problem {
  const text = content.text;
  const at = content.span?.start ?? content.start;
  const line = lineAt(file.text, at);
  const skip = (why: string): DependencyRef => ({ file: file.path, line, manager: 'compose', datasource: 'docker', name: text, value: null, digest: null, pinned: false, skipped: why });
  const image = (value: string, site: DependencyRef['site'] | null, skipped: string | null): DependencyRef | Problem => {
    const parsed = parseImageRef(value);
    if (isImageRefError(parsed)) return { file: file.path, line, dependency: text, message: parsed.error };
    const ref: DependencyRef = { file: file.path, line, manager: 'compose', datasource: 'docker', name: parsed.name, value: parsed.tag, digest: parsed.digest, pinned: parsed.digest !== null, skipped };
    if (site && !skipped) ref.site = site;
    return ref;
  };

  const sole = soleVariable(text) ?? requiredVariable(text);
  if (!sole) {
    const written = interpolate(text, (name) => (env?.entries.has(name) ? env.entries.get(name)!.value : undefined));
    const cannotPin = 'write it as one variable with a default (${IMAGE:-name:tag}) to pin it';
    if ('value' in written && written.value !== '') return image(written.value, null, `the image is made of several variables (${text}), so there is no one place to write its digest; ${cannotPin}`);
    return skip(`the image uses compose variable interpolation mixed with other text, so it is only known when compose runs; ${cannotPin}`);
  }
  const entry = env?.entries.get(sole.name);
  const colon = 'required' in sole ? sole.required === ':?' : sole.defaultWord !== null && text[sole.defaultWord.start - 2] === ':';
  if (entry && (sole.defaultWord === null || !colon || entry.value !== '')) {
    if (entry.value === null) return skip(`${sole.name}: ${entry.unknown ?? 'its value in .env is not known statically'}`);
    if (entry.value === '') return skip(`${sole.name} is empty in ${envPath} (line ${entry.line}), so compose would have no image to pull`);
    const site = entry.site ? { span: { start: entry.site.start, end: entry.site.end }, raw: entry.site.raw, file: envPath } : null;
    return image(entry.value, site, site ? null : `${sole.name}: ${entry.unwritable ?? `its value in ${envPath} (line ${entry.line}) contains escape sequences; write it without escapes to pin it`}`);
  }
  if (sole.defaultWord) {
    const word = sole.defaultWord;
    if (word.text === '') return skip(`${sole.name} is not set in ${envPath} and its default is empty, so the image cannot be known statically`);
    const site = content.span ? { span: { start: content.span.start + word.start, end: content.span.start + word.start + word.text.length }, raw: word.text } : null;
    return image(word.text, site, content.skipped);
  }
  return skip(`${sole.name} is not set in ${envPath} and has no default, so the image cannot be known statically (compose reads it from the environment when it runs)`);
}

/**
 * `${VAR:?message}` and `${VAR?message}`: compose stops with the message when VAR is unset (or,
 * with `:`, empty); with a value in `.env` the image is that value, pinned there.
 */
function requiredVariable(text: string): { name: string; defaultWord: null; required: string } | null {
  const match = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(:?\?)[^}$]*\}$/.exec(text);
  return match ? { name: match[1]!, defaultWord: null, required: match[2]! } : null;
}

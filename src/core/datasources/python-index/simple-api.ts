import { z } from 'zod';
import { describeFilename, type DistributionFile } from './distributions.js';

/**
 * Project pages of the simple repository API, in both serialisations:
 * PEP 691 JSON (https://peps.python.org/pep-0691/) and PEP 503 HTML (https://peps.python.org/pep-0503/),
 * with PEP 592 yanking, PEP 658/714 core metadata and `requires-python` (PEP 345).
 */

export const SIMPLE_JSON = 'application/vnd.pypi.simple.v1+json';
/** PEP 691 content negotiation: JSON first, HTML as the fallback every index serves. */
export const SIMPLE_ACCEPT = `${SIMPLE_JSON}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01`;

const hashes = z.record(z.string(), z.string());
// `core-metadata` (PEP 714) replaced `dist-info-metadata`; PyPI served `data-dist-info-metadata` in JSON for a while.
const metadataFlag = z.union([z.boolean(), hashes]);
const jsonFile = z.looseObject({
  filename: z.string().min(1),
  url: z.string().min(1),
  hashes: hashes.default({}),
  'requires-python': z.string().nullish(),
  'core-metadata': metadataFlag.optional(),
  'dist-info-metadata': metadataFlag.optional(),
  'data-dist-info-metadata': metadataFlag.optional(),
  yanked: z.union([z.boolean(), z.string()]).optional(),
});
const jsonProject = z.looseObject({
  meta: z.looseObject({ 'api-version': z.string() }),
  files: z.array(jsonFile),
});

export type PageParse = { ok: true; files: DistributionFile[] } | { ok: false; message: string };

/** Whether a response's Content-Type is the PEP 691 JSON serialisation. */
export function isSimpleJson(contentType: string | null): boolean {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return type === SIMPLE_JSON || type === 'application/vnd.pypi.simple.latest+json';
}

export function parseJsonProjectPage(body: string, pageUrl: string, project: string): PageParse {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return { ok: false, message: 'answered a JSON project page that is not valid JSON' };
  }
  const parsed = jsonProject.safeParse(raw);
  if (!parsed.success) return { ok: false, message: `answered a JSON project page that does not follow PEP 691 (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''})` };
  // PEP 691: "Clients MUST fail on a major version they do not understand".
  const major = parsed.data.meta['api-version'].split('.')[0];
  if (major !== '1') return { ok: false, message: `answered simple API version ${parsed.data.meta['api-version']}, which is not supported (only 1.x is)` };
  const files: DistributionFile[] = [];
  for (const file of parsed.data.files) {
    const metadata = file['core-metadata'] ?? file['dist-info-metadata'] ?? file['data-dist-info-metadata'];
    const entry = distributionFile(project, pageUrl, {
      filename: file.filename,
      href: file.url,
      sha256: file.hashes['sha256'] ?? null,
      requiresPython: file['requires-python'] ?? null,
      yanked: file.yanked === undefined || file.yanked === false ? null : file.yanked === true ? '' : file.yanked,
      coreMetadata: metadata === undefined || metadata === false ? null : { sha256: metadata === true ? null : (metadata['sha256'] ?? null) },
    });
    if (entry) files.push(entry);
  }
  return { ok: true, files };
}

export function parseHtmlProjectPage(body: string, pageUrl: string, project: string): PageParse {
  const base = /<base\b([^>]*)>/i.exec(body);
  const baseHref = base ? attributes(base[1] ?? '').get('href') : undefined;
  const baseUrl = baseHref && URL.canParse(baseHref, pageUrl) ? new URL(baseHref, pageUrl).href : pageUrl;
  const files: DistributionFile[] = [];
  for (const anchor of body.matchAll(/<a\b([^>]*)>([\s\S]*?)<\/a\s*>/gi)) {
    const attrs = attributes(anchor[1] ?? '');
    const href = attrs.get('href');
    if (!href) continue;
    const hashAt = href.indexOf('#');
    const fragment = hashAt === -1 ? '' : href.slice(hashAt + 1);
    const sha256 = /^sha256=([0-9a-fA-F]{64})$/.exec(fragment)?.[1]?.toLowerCase() ?? null;
    const text = decodeEntities((anchor[2] ?? '').replace(/<[^>]*>/g, '')).trim();
    const metadata = attrs.get('data-core-metadata') ?? attrs.get('data-dist-info-metadata');
    const entry = distributionFile(project, baseUrl, {
      // PEP 503: "the text of the anchor tag MUST match the final path component (the filename) of the URL".
      filename: text || decodePathComponent(href.slice(0, hashAt === -1 ? undefined : hashAt).split('/').pop() ?? ''),
      href: hashAt === -1 ? href : href.slice(0, hashAt),
      sha256,
      requiresPython: attrs.get('data-requires-python') || null,
      yanked: attrs.get('data-yanked') ?? null,
      coreMetadata: metadata === undefined || metadata === 'false' ? null : { sha256: /^sha256=([0-9a-fA-F]{64})$/.exec(metadata)?.[1]?.toLowerCase() ?? null },
    });
    if (entry) files.push(entry);
  }
  return { ok: true, files };
}

interface ListedFile {
  filename: string;
  href: string;
  sha256: string | null;
  requiresPython: string | null;
  yanked: string | null;
  coreMetadata: { sha256: string | null } | null;
}

function distributionFile(project: string, baseUrl: string, listed: ListedFile): DistributionFile | null {
  const described = describeFilename(listed.filename, project);
  if (!described || !URL.canParse(listed.href, baseUrl)) return null;
  const url = new URL(listed.href, baseUrl);
  url.hash = '';
  const index = new URL(baseUrl);
  index.username = '';
  index.password = '';
  return {
    filename: listed.filename,
    url: url.href,
    index: index.href,
    sha256: listed.sha256 && /^[0-9a-f]{64}$/i.test(listed.sha256) ? listed.sha256.toLowerCase() : null,
    requiresPython: listed.requiresPython?.trim() || null,
    yanked: listed.yanked,
    coreMetadata: listed.coreMetadata,
    ...described,
  };
}

/** HTML attributes of a start tag, names lower-cased, values entity-decoded; a bare attribute has the value ''. */
function attributes(text: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const match of text.matchAll(/([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
    const name = match[1]!.toLowerCase();
    if (!attrs.has(name)) attrs.set(name, decodeEntities(match[2] ?? match[3] ?? match[4] ?? ''));
  }
  return attrs;
}

/** A URL's last path component as a filename; a malformed `%` escape (which decodeURIComponent throws on) leaves it as written, and the name then matches no project. */
function decodePathComponent(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function decodeEntities(text: string): string {
  return text.replace(/&(#[xX][0-9a-fA-F]{1,6}|#\d{1,7}|[a-zA-Z]+);/g, (whole, entity: string) => {
    if (!entity.startsWith('#')) return NAMED_ENTITIES[entity.toLowerCase()] ?? whole;
    const code = /^#[xX]/.test(entity) ? Number.parseInt(entity.slice(2), 16) : Number.parseInt(entity.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

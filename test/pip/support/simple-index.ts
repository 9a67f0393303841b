import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sha256, type BuiltFile } from './distributions.js';

/** A distribution file as an index lists it. */
export interface IndexedFile extends BuiltFile {
  project: string;
  requiresPython?: string;
  /** PEP 592: true, or the reason. */
  yanked?: true | string;
  /** PEP 658: serve `<file>.metadata` and announce it. */
  serveMetadata?: boolean;
}

export interface SimpleIndex {
  /** `http://127.0.0.1:<port>/simple/` */
  url: string;
  /** Every path requested, in order. */
  requests: string[];
  close(): Promise<void>;
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A PEP 503 project page, shaped like the ones PyPI and devpi serve (relative hrefs, `#sha256=` fragments). */
export function projectPageHtml(project: string, files: IndexedFile[], filesPath = '../../files/'): string {
  const anchors = files.map((f) => {
    const attrs = [`href="${filesPath}${f.filename}#sha256=${f.sha256}"`];
    if (f.requiresPython) attrs.push(`data-requires-python="${escapeHtml(f.requiresPython)}"`);
    if (f.serveMetadata) {
      const digest = `sha256=${sha256(f.metadata)}`;
      attrs.push(`data-dist-info-metadata="${digest}"`, `data-core-metadata="${digest}"`);
    }
    if (f.yanked !== undefined) attrs.push(f.yanked === true ? 'data-yanked' : `data-yanked="${escapeHtml(f.yanked)}"`);
    return `    <a ${attrs.join(' ')}>${f.filename}</a><br />`;
  });
  return [
    '<!DOCTYPE html>',
    '<html>',
    '  <head>',
    '    <meta name="pypi:repository-version" content="1.1">',
    `    <title>Links for ${project}</title>`,
    '  </head>',
    '  <body>',
    `    <h1>Links for ${project}</h1>`,
    ...anchors,
    '  </body>',
    '</html>',
    '',
  ].join('\n');
}

/** A PEP 691 project page (API 1.1, PEP 700 `versions`), shaped like PyPI's. */
export function projectPageJson(project: string, files: IndexedFile[], filesUrl = '../../files/'): string {
  return JSON.stringify({
    meta: { 'api-version': '1.1', _last_serial: 1 },
    name: project,
    versions: [...new Set(files.map((f) => f.filename.split('-')[1]))],
    files: files.map((f) => ({
      filename: f.filename,
      url: `${filesUrl}${f.filename}`,
      hashes: { sha256: f.sha256 },
      'requires-python': f.requiresPython ?? null,
      ...(f.serveMetadata ? { 'core-metadata': { sha256: sha256(f.metadata) }, 'data-dist-info-metadata': { sha256: sha256(f.metadata) } } : { 'core-metadata': false }),
      yanked: f.yanked ?? false,
      size: f.bytes.length,
      'upload-time': '2024-05-01T10:00:00.000000Z',
    })),
  });
}

/** Serves files as a PEP 503 HTML index (the fallback every index has) on a free loopback port. */
export async function startSimpleIndex(files: IndexedFile[]): Promise<SimpleIndex> {
  const requests: string[] = [];
  const byName = new Map(files.map((f) => [f.filename, f]));
  const normalize = (name: string) => name.replace(/[-_.]+/g, '-').toLowerCase();
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    requests.push(path);
    const project = /^\/simple\/([^/]+)\/$/.exec(path)?.[1];
    if (project) {
      const listed = files.filter((f) => normalize(f.project) === normalize(project));
      if (listed.length === 0) return void res.writeHead(404).end('not found');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(projectPageHtml(project, listed));
      return;
    }
    const file = /^\/files\/(.+?)(\.metadata)?$/.exec(path);
    const served = file ? byName.get(file[1]!) : undefined;
    if (!file || !served || (file[2] && !served.serveMetadata)) return void res.writeHead(404).end('not found');
    res.writeHead(200, { 'content-type': file[2] ? 'application/octet-stream' : 'application/octet-stream' }).end(file[2] ? served.metadata : served.bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/simple/`,
    requests,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

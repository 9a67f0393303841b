import { lineOf, type Rule, type RuleHit } from '../rule.js';

const URL = /^https?:\/\//i;
// A git source: `ADD https://github.com/moby/buildkit.git#v0.19.0 /src` or `git@host:repo.git`.
const GIT = /\.git(?:#|$)|^git@/i;

/**
 * `ADD <url>` downloads whatever the server sends at build time; `--checksum=sha256:…`
 * (https://docs.docker.com/reference/dockerfile/#add---checksum) makes BuildKit check it.
 * A git source is pinned by a full commit instead: `…/repo.git#<40-hex commit>` or `--checksum=<commit>`.
 */
export const addUrlNoChecksum: Rule = {
  id: 'add-url-no-checksum',
  level: 'error',
  finds: 'Dockerfile `ADD http(s)://…` without `--checksum=sha256:`',
  check: (target) => {
    const hits: RuleHit[] = [];
    for (const source of target.dockerfile?.addSources ?? []) {
      const git = GIT.test(source.source) && (URL.test(source.source) || source.source.startsWith('git@'));
      if (git) {
        const ref = source.source.includes('#') ? source.source.slice(source.source.indexOf('#') + 1).split(':')[0]! : '';
        if (/^[0-9a-f]{40}$/i.test(ref) || /^[0-9a-f]{40}$/i.test(source.checksum ?? '')) continue;
        hits.push({
          line: lineOf(target, source.at),
          message: `ADD ${source.source} fetches ${ref ? `the ref ${ref}` : 'the default branch'}, which can be moved to other commits`,
          fix: `pin the commit: ADD ${source.source.replace(/#.*$/, '')}#<40-hex commit> (or --checksum=<40-hex commit>)`,
        });
        continue;
      }
      if (!URL.test(source.source) || /^sha256:/i.test(source.checksum ?? '')) continue;
      hits.push({
        line: lineOf(target, source.at),
        message: `ADD ${source.source} downloads whatever the server sends at build time, unchecked`,
        fix: `ADD --checksum=sha256:<sha256 of the file> ${source.source} … (BuildKit then refuses any other content)`,
      });
    }
    return hits;
  },
};

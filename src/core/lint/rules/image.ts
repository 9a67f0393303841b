import type { DependencyRef } from '../../reference.js';
import type { Rule, RuleHit } from '../rule.js';

/**
 * Image references come from the managers (Dockerfile FROM, `# syntax=`, COPY --from,
 * RUN --mount from=, compose, workflows, .ko.yaml), which already leave out `scratch` and
 * stage names and tell a digest apart.
 */

/** A reference the manager could not resolve statically (`FROM ${BASE}` with no default, `${{ matrix.image }}`). */
export function isOnlyKnownAtBuildTime(ref: DependencyRef): boolean {
  return ref.skipped !== null && ref.name.includes('$');
}

function written(ref: DependencyRef): string {
  return ref.value === null ? ref.name : `${ref.name}:${ref.value}`;
}

const images = (refs: readonly DependencyRef[]) => refs.filter((ref) => ref.datasource === 'docker');

export const imageNotPinned: Rule = {
  id: 'image-not-pinned',
  level: 'error',
  finds: 'an image reference without a digest (FROM, COPY --from, RUN --mount from=, compose, workflow, .ko.yaml)',
  check: ({ refs }) =>
    images(refs)
      .filter((ref) => !ref.pinned)
      .map((ref): RuleHit => {
        if (isOnlyKnownAtBuildTime(ref)) {
          // Whoever passes the value may pin it, so this is worth a warning, not a failed build.
          return {
            line: ref.line,
            message: `${ref.name}: ${ref.skipped}; nothing shows it is pinned by digest`,
            fix: 'make every value it can take digest-pinned (name:tag@sha256:…), e.g. give the ARG a digest-pinned default, and pass only digest-pinned values',
            atMost: 'warning',
          };
        }
        const tag = ref.value ?? 'latest';
        return {
          line: ref.line,
          message: `${written(ref)} is not pinned by digest: whoever controls the tag can point it at another image`,
          fix: `${ref.name}:${tag}@sha256:<digest> (repro-pins pin looks up the digest and writes it)`,
        };
      }),
};

export const imageLatest: Rule = {
  id: 'image-latest',
  level: 'warning',
  finds: 'an image with no tag or the tag `latest`',
  check: ({ refs }) =>
    images(refs)
      .filter((ref) => !isOnlyKnownAtBuildTime(ref) && (ref.value === 'latest' || (ref.value === null && ref.digest === null)))
      .map((ref) => ({
        line: ref.line,
        message:
          ref.value === null
            ? `${ref.name} has no tag, so it means ${ref.name}:latest, whichever release that is when the build runs`
            : `${written(ref)} follows whatever is released next, so a pin refresh can jump to a new major version`,
        fix: `name a release tag (${ref.name}:<version>) and pin it by digest`,
      })),
};

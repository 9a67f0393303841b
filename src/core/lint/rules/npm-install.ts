import { programName } from '../../shell/command-line.js';
import { parseArguments } from '../../shell/arguments.js';
import { eachCommand, type Rule } from '../rule.js';

// npm's aliases for install (https://docs.npmjs.com/cli/commands/npm-install), typo aliases included.
const INSTALL = new Set(['install', 'i', 'in', 'ins', 'inst', 'insta', 'instal', 'isnt', 'isnta', 'isntal', 'isntall', 'add']);
const VALUE_OPTIONS = ['--prefix', '--registry', '--cache', '--userconfig', '--globalconfig', '--loglevel', '--workspace', '--location', '--omit', '--include', '--install-strategy', '--tag'];
// `name@1.2.3`, `@scope/name@1.2.3-rc.1`: one exact version, not a range or a dist-tag.
const EXACT = /^(?:@[^/@\s]+\/)?[^@\s/]+@v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/**
 * `npm install` / `npm i` resolves package.json's ranges again and may rewrite the lockfile; a
 * build step wants `npm ci`, which installs the lockfile exactly or fails. A global install of
 * tools at exact versions (`npm install -g typescript@5.6.3`) has no lockfile to `ci` from and
 * is accepted, also when the version is a build argument or variable whose value is exact
 * (`ARG AZURITE_VERSION=3.18.0` … `npm install -g azurite@${AZURITE_VERSION}`); a global
 * install without exact versions is not.
 */
export const npmInstall: Rule = {
  id: 'npm-install',
  level: 'error',
  finds: '`npm install` / `npm i` in a build step where `npm ci` belongs',
  check: (target) =>
    eachCommand(target, ({ command, env }) => {
      if (programName(command) !== 'npm') return null;
      const { options, operands } = parseArguments(command.words.slice(1), { valueShort: 'w', valueLong: VALUE_OPTIONS });
      if (!INSTALL.has(operands[0]?.value ?? '')) return null;
      const packages = operands.slice(1).map((w) => w.value);
      const global = options.some((o) => o.name === '-g' || o.name === '--global' || (o.name === '--location' && o.value === 'global'));
      if (global) {
        const loose = packages.filter((p) => !EXACT.test(withVariables(p, env)));
        if (packages.length > 0 && loose.length === 0) return null;
        return {
          message: packages.length > 0 ? `npm install -g ${loose.join(' ')} installs whichever version is newest when the build runs` : 'npm install -g with no package installs the current folder without its lockfile',
          fix: packages.length > 0 ? `name exact versions: npm install -g ${loose.map((p) => `${p.replace(/(.)@.*$/, '$1')}@<x.y.z>`).join(' ')}` : 'npm ci, then run the tool from node_modules/.bin',
        };
      }
      if (packages.length === 0) {
        return { message: 'npm install resolves package.json ranges again and may rewrite package-lock.json, so two builds can install different versions', fix: 'npm ci (installs exactly what package-lock.json says, and fails when it does not match package.json)' };
      }
      return { message: `npm install ${packages.join(' ')} adds packages at build time, at whichever version is newest`, fix: `add ${packages.join(', ')} to package.json and package-lock.json in the repository, then npm ci` };
    }),
};

/** `$NAME` and `${NAME}` replaced by their values in the step's environment; others kept as written (and so not exact). */
function withVariables(word: string, env: ReadonlyMap<string, string>): string {
  return word.replace(/\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)/g, (written, braced?: string, bare?: string) => env.get((braced ?? bare)!) ?? written);
}

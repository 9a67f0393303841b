import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's `keys/` folder (public keys of the distributions, keys/README.md), found by
 * walking up from this module as src/app/templates.ts finds `templates/`: it sits three levels
 * up from `src/core/datasources/` when run from source and four from `dist/…` when compiled.
 */
export function bundledKeysPath(...parts: string[]): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'keys', 'README.md'))) return join(dir, 'keys', ...parts);
    dir = dirname(dir);
  }
  throw new Error('the keys/ folder of repro-pins is missing from this installation');
}

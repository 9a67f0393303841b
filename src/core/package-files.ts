import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A folder the package ships beside its code (`templates/`, `keys/`), found by walking up from
 * this module to the first folder holding `<folder>/<marker>`: the package root is one level up
 * from `src/core/` when run from source and two from `dist/src/core/` when compiled.
 */
export function packageFolder(folder: string, marker: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, folder, marker))) return join(dir, folder);
    dir = dirname(dir);
  }
  throw new Error(`the ${folder}/ folder of repro-pins is missing from this installation`);
}

/** A file of the package's `keys/` folder: the distributions' public keys (keys/README.md). */
export function bundledKeysPath(...parts: string[]): string {
  return join(packageFolder('keys', 'README.md'), ...parts);
}

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's `templates/` folder, found by walking up from this module: it sits two levels up
 * from `src/app/` when run from source and three from `dist/src/app/` when compiled.
 */
function templatesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'templates', 'repro-pins.yml'))) return join(dir, 'templates');
    dir = dirname(dir);
  }
  throw new Error('the templates/ folder of repro-pins is missing from this installation');
}

export function readTemplate(name: 'repro-pins.yml' | 'repro-verify.yml'): string {
  return readFileSync(join(templatesDir(), name), 'utf8');
}

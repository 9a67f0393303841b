import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageFolder } from '../core/package-files.js';

export function readTemplate(name: 'repro-pins.yml' | 'repro-verify.yml'): string {
  return readFileSync(join(packageFolder('templates', 'repro-pins.yml'), name), 'utf8');
}

import { Command, CommanderError, Option } from 'commander';
import { MANAGER_NAMES, type ManagerName } from '../core/reference.js';
import { runPin } from './pin.js';
import { runScan } from './scan.js';
import { UsageError } from './repo-context.js';

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
  /** Whether stderr is a terminal (progress lines are shown only there). */
  isTTY: boolean;
}

const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env, isTTY: Boolean(process.stderr.isTTY) };

function parseOnly(value: string): ManagerName[] {
  const names = value.split(',').map((n) => n.trim()).filter(Boolean);
  for (const name of names) {
    if (!(MANAGER_NAMES as readonly string[]).includes(name)) {
      throw new UsageError(`--only: unknown manager "${name}" (known: ${MANAGER_NAMES.join(', ')})`);
    }
  }
  return names as ManagerName[];
}

/** Runs the CLI and resolves to its exit code; never calls process.exit, so tests run it in-process. */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  let exitCode = 0;
  const program = new Command()
    .name('repro-pins')
    .description('Pin every input of a container image build and prove the build reproducible.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) })
    .showHelpAfterError();

  program
    .command('scan')
    .description('list every dependency reference and reproducibility finding (no network)')
    .argument('[dir]', 'repository checkout', '.')
    .option('--json', 'print one JSON document on stdout')
    .action(async (dir: string, options: { json?: boolean }) => {
      exitCode = await runScan(dir, { json: Boolean(options.json) }, io);
    });

  program
    .command('pin')
    .description('resolve pins and rewrite files in place')
    .argument('[dir]', 'repository checkout', '.')
    .option('--dry-run', 'print the plan without writing files')
    .option('--json', 'print one JSON document on stdout')
    .addOption(new Option('--only <managers>', `comma-separated managers (${MANAGER_NAMES.join(', ')})`).argParser(parseOnly))
    .action(async (dir: string, options: { dryRun?: boolean; json?: boolean; only?: ManagerName[] }) => {
      exitCode = await runPin(dir, { dryRun: Boolean(options.dryRun), json: Boolean(options.json), only: options.only ?? null }, io);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version are successful exits; everything else commander rejects is usage.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError) {
      io.stderr.write(`repro-pins: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

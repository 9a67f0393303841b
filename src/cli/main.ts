import { Command, CommanderError, Option } from 'commander';
import { MANAGER_NAMES, type ManagerName } from '../core/reference.js';
import { parseInstallationId, runAppScanNow } from './app-command.js';
import { runPin } from './pin.js';
import { runScan } from './scan.js';
import { runTwiceBuild, type BuilderChoice } from './twice-build.js';
import { runVerify } from './verify.js';
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

  program
    .command('verify')
    .description('compare two builds of an image (OCI layout, OCI archive .tar, or artifact folder); 0 same, 1 different, 2 error')
    .argument('<a>', 'first build')
    .argument('<b>', 'second build')
    .option('--json', 'print one JSON document on stdout')
    .action(async (a: string, b: string, options: { json?: boolean }) => {
      exitCode = await runVerify(a, b, { json: Boolean(options.json) }, io);
    });

  program
    .command('twice-build')
    .description('build the image twice (docker buildx, else buildah) with SOURCE_DATE_EPOCH from the last commit, then verify')
    .argument('[context]', 'build context', '.')
    .option('-f, --file <dockerfile>', 'Dockerfile (default: CONTEXT/Dockerfile)')
    .option('--platform <platforms>', 'target platform(s), e.g. linux/amd64 or linux/amd64,linux/arm64')
    .addOption(new Option('--builder <builder>', 'which builder to use').choices(['auto', 'docker', 'buildah']).default('auto'))
    .option('--out <dir>', 'keep the two OCI archives in this folder')
    .option('--json', 'print one JSON document on stdout')
    .action(async (context: string, options: { file?: string; platform?: string; builder: BuilderChoice; out?: string; json?: boolean }) => {
      exitCode = await runTwiceBuild(
        context,
        { file: options.file ?? null, platform: options.platform ?? null, builder: options.builder, out: options.out ?? null, json: Boolean(options.json) },
        io,
      );
    });

  program
    .command('app')
    .description('operate a running repro-pins GitHub App (its environment: REDIS_URL, or the single process)')
    .command('scan-now')
    .description('queue the scheduled scan of every installed repository now; 0 queued, 2 error')
    .option('--installation <id>', 'only the repositories of this installation', parseInstallationId)
    .action(async (options: { installation?: number }) => {
      exitCode = await runAppScanNow({ installation: options.installation ?? null }, io);
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

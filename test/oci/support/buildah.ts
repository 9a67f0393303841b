/**
 * Real buildah builds for the OCI engine tests: vfs storage and chroot isolation in a private
 * temp root, base images from the loopback registry that Jest's global setup fills.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export class TestBuildah {
  readonly root: string;

  private constructor(root: string) {
    this.root = root;
  }

  static async create(): Promise<TestBuildah> {
    return new TestBuildah(await mkdtemp(join(tmpdir(), 'repro-pins-oci-test-')));
  }

  private get globalArgs(): string[] {
    return ['--storage-driver', 'vfs', '--root', join(this.root, 'storage'), '--runroot', join(this.root, 'run')];
  }

  run(...args: string[]): Promise<string> {
    const all = [...this.globalArgs, ...args];
    return new Promise((resolve, reject) => {
      execFile('buildah', all, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`\`buildah ${all.join(' ')}\` failed:\n${stderr.trim()}`));
        else resolve(stdout.trim());
      });
    });
  }

  /** Writes a build context from path -> text. */
  async context(name: string, files: Record<string, string>): Promise<string> {
    const dir = join(this.root, 'contexts', name);
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    return dir;
  }

  /** `buildah build` to an OCI archive; `timestamp` null means the clock (no fixed timestamp). */
  async build(context: string, output: string, options: { timestamp: number | null; platform?: string }): Promise<string> {
    const file = join(this.root, 'out', output);
    await mkdir(dirname(file), { recursive: true });
    const args = ['build', '--quiet', '--isolation', 'chroot', '--tls-verify=false', '--no-cache'];
    if (options.timestamp !== null) args.push('--timestamp', String(options.timestamp));
    if (options.platform) args.push('--platform', options.platform);
    args.push('-f', join(context, 'Dockerfile'), '-t', `oci-archive:${file}`, context);
    await this.run(...args);
    return file;
  }

  /** A multi-platform index (as an OCI archive) assembled from single-platform OCI archives. */
  async index(output: string, archives: string[]): Promise<string> {
    const list = `localhost/repro-pins-test-${output.replace(/[^a-z0-9]/g, '-')}`;
    await this.run('manifest', 'create', list);
    for (const archive of archives) await this.run('manifest', 'add', list, `oci-archive:${archive}`);
    const file = join(this.root, 'out', output);
    await this.run('manifest', 'push', '--quiet', '--all', list, `oci-archive:${file}`);
    return file;
  }

  async cleanUp(): Promise<void> {
    await this.run('rm', '--all').catch(() => undefined);
    await rm(this.root, { recursive: true, force: true });
  }
}

/** The busybox test image has only /bin/busybox: shell-form RUN needs /bin/sh first. */
export function dockerfile(registry: string, base: string, ...lines: string[]): string {
  return [`FROM ${registry}/${base}`, 'RUN ["/bin/busybox", "ln", "-s", "busybox", "/bin/sh"]', ...lines, ''].join('\n');
}

export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const env = options.env ? { ...process.env, ...options.env } : process.env;
    execFile(command, args, { cwd: options.cwd, env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`\`${command} ${args.join(' ')}\` failed:\n${stderr.trim()}`));
      else resolve(stdout);
    });
  });
}

/** Unpacks an OCI archive into a layout directory. */
export async function unpack(archive: string, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await run('tar', ['-xf', archive, '-C', dir]);
  return dir;
}

/** The system python3 (what a runner has); a pyenv shim on PATH costs a second per start. */
export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

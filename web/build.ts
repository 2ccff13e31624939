/**
 * Builds the web app into web/dist when its inputs changed since the last build, and does nothing
 * (in a few milliseconds) when they did not. `npm start` runs it first (the `prestart` script), so
 * `npm install && npm start` serves a current app; the e2e journey calls `ensureWebBuild` too.
 *
 *   tsx web/build.ts           build if stale
 *   tsx web/build.ts --force   build anyway
 *
 * "Changed" is a SHA-256 over the contents of every input (sources, contracts, Vite config, the
 * lockfile), kept in web/dist/.build-hash, written only after a successful build. Content, not
 * mtimes: a fresh clone, a branch switch or a `git pull` all give the right answer.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const webDir = join(repoRoot, 'web');
export const distDir = join(webDir, 'dist');
const hashFile = join(distDir, '.build-hash');

/** What the bundle is made from. */
const INPUTS = [
  'web/src',
  'web/public',
  'web/index.html',
  'web/vite.config.ts',
  'contracts',
  'package-lock.json',
];

function listFiles(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .filter((entry) => !entry.name.startsWith('.'))
    .flatMap((entry) => listFiles(join(path, entry.name)));
}

/** The fingerprint of the current sources. */
export function sourceHash(): string {
  const hash = createHash('sha256');
  const files = INPUTS.flatMap((input) => listFiles(join(repoRoot, input)))
    .filter((file) => !/\.test\.tsx?$/.test(file))
    .sort();
  for (const file of files) {
    hash.update(relative(repoRoot, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

export function isWebBuildFresh(hash = sourceHash()): boolean {
  return (
    existsSync(join(distDir, 'index.html')) &&
    existsSync(hashFile) &&
    readFileSync(hashFile, 'utf8').trim() === hash
  );
}

/** Runs `vite build` in a child process (its own Node, its own output). */
export function buildWeb(): Promise<void> {
  const vite = join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', '--config', join(webDir, 'vite.config.ts')], {
      cwd: repoRoot,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, NODE_ENV: 'production' },
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`vite build exited with ${code}`)),
    );
  });
}

/** Builds web/dist unless it is current; returns whether it built. */
export async function ensureWebBuild({ force = false } = {}): Promise<boolean> {
  const hash = sourceHash();
  if (!force && isWebBuildFresh(hash)) return false;
  await buildWeb();
  writeFileSync(hashFile, `${hash}\n`);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  ensureWebBuild({ force: process.argv.includes('--force') }).then(
    (built) => {
      process.stdout.write(
        built ? `Web app built in ${Date.now() - started} ms.\n` : 'Web app is up to date (web/dist).\n',
      );
    },
    (error: unknown) => {
      process.stderr.write(
        `Building the web app failed: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}

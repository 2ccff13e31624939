import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/**
 * The read-only view of the host a runtime needs: real files and directories bound at their own
 * paths, and the symlinks on the way to them (`/lib64 -> usr/lib64`, …) recreated as symlinks.
 * Nothing else of the host is visible in a box: no /etc, no shell, no project files.
 */
export class HostView {
  readonly binds = new Set<string>();
  readonly symlinks = new Map<string, string>();

  /** Adds a path as the runtime refers to it, following (and recreating) every symlink on the way. */
  add(path: string): this {
    this.addResolved(resolve(path), 0);
    return this;
  }

  private addResolved(path: string, depth: number): void {
    if (depth > 40) throw new Error(`too many symlinks resolving ${path}`);
    const parts = path.split('/').filter(Boolean);
    let current = '/';
    for (let i = 0; i < parts.length; i++) {
      const next = join(current, parts[i]!);
      const stat = lstatSync(next);
      if (stat.isSymbolicLink()) {
        const target = readlinkSync(next);
        this.symlinks.set(next, target);
        const resolvedTarget = isAbsolute(target) ? target : join(dirname(next), target);
        this.addResolved(join(resolvedTarget, ...parts.slice(i + 1)), depth + 1);
        return;
      }
      current = next;
    }
    for (const bound of this.binds) if (current === bound || current.startsWith(`${bound}/`)) return;
    this.binds.add(current);
  }

  /** Adds every shared library the given ELF files load, as the dynamic loader resolves them. */
  addLibrariesOf(files: string[]): this {
    for (const lib of sharedLibraries(files)) this.add(lib);
    return this;
  }

  /** bwrap arguments: the binds (shortest first, so a directory comes before what is inside it) and the symlinks. */
  toBwrapArgs(): string[] {
    const args: string[] = [];
    for (const path of [...this.binds].sort((a, b) => a.length - b.length))
      args.push('--ro-bind', path, path);
    for (const [path, target] of this.symlinks) {
      if ([...this.binds].some((b) => path === b || path.startsWith(`${b}/`))) continue; // already visible through a bind
      args.push('--symlink', target, path);
    }
    return args;
  }
}

/** `ldd` of trusted host binaries (the runtimes), run once at start-up; never of submission files. */
export function sharedLibraries(files: string[]): string[] {
  const libs = new Set<string>();
  for (const file of files) {
    let out: string;
    try {
      out = execFileSync('ldd', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      continue; // not dynamic, or not an ELF file
    }
    for (const line of out.split('\n')) {
      const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
      if (m?.[1]) libs.add(m[1]);
    }
  }
  return [...libs];
}

/** Every `*.so` file under a directory (a runtime's own native libraries). */
export function sharedObjectsUnder(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile() && /\.so(\.|$)/.test(entry.name)) found.push(p);
    }
  };
  walk(dir);
  return found;
}

/** Targets outside `root` of the symlinks inside it (e.g. a JDK's config files under /etc/java-17-openjdk). */
export function outsideSymlinkTargets(root: string): string[] {
  const realRoot = realpathSync(root);
  const targets = new Set<string>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isSymbolicLink()) {
        let real: string;
        try {
          real = realpathSync(p);
        } catch {
          continue; // dangling: the runtime cannot use it either
        }
        if (!real.startsWith(`${realRoot}/`)) targets.add(p);
      } else if (entry.isDirectory()) walk(p);
    }
  };
  walk(realRoot);
  return [...targets];
}

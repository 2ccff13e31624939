import type { JudgeConfig } from '../../config.ts';

/**
 * Where the sandbox finds its tools. The judge worker passes `config.judge` (parsed from the
 * environment by server/config.ts) before the first run. Without that — this module used on its
 * own by its tests and the benchmark — the same variables are read from the environment.
 */
export type JudgeHostSettings = Omit<JudgeConfig, 'slots'>;

let configured: JudgeHostSettings | null = null;

/** Sets the sandbox's tools and directories; call before the first run (the host is then cached). */
export function configureJudgeHost(settings: JudgeHostSettings): void {
  configured = settings;
}

/** The settings in force, as the environment variables the runtime lookups take. */
export function judgeEnv(): NodeJS.ProcessEnv {
  if (!configured) return process.env;
  const env: NodeJS.ProcessEnv = {};
  if (configured.python) env.UW_JUDGE_PYTHON = configured.python;
  if (configured.javaHome) env.JAVA_HOME = configured.javaHome;
  if (configured.bwrap) env.UW_JUDGE_BWRAP = configured.bwrap;
  if (configured.workDir) env.UW_JUDGE_DIR = configured.workDir;
  env.UW_JUDGE_UID_BASE = String(configured.uidBase);
  return env;
}

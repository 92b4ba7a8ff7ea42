// Where the app finds its bundled files (models/, assets/, dist/) and keeps the user's data. The
// Electron shell, the web-mode host and the CLI all resolve paths here so they agree.
import os from 'node:os';
import path from 'node:path';

/** Environment variable that overrides the user data directory (tests, portable installs). */
export const USER_DATA_ENV = 'VOICESHIFT_DATA_DIR';

/**
 * The user data directory for CLI and web mode: $VOICESHIFT_DATA_DIR, else $XDG_DATA_HOME/voiceshift,
 * else ~/.local/share/voiceshift. Electron passes its own `userData` path instead.
 */
export function defaultUserDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env[USER_DATA_ENV]) return path.resolve(env[USER_DATA_ENV] as string);
  const base = env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME)
    ? env.XDG_DATA_HOME
    : path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'voiceshift');
}

/** Layout of the bundled resources below a root directory (the repo, or the unpacked app). */
export interface AppPaths {
  root: string;
  models: string;
  assets: string;
  renderer: string;
}

/** Resource paths below `root`. */
export function appPaths(root: string): AppPaths {
  return {
    root,
    models: path.join(root, 'models'),
    assets: path.join(root, 'assets'),
    renderer: path.join(root, 'dist'),
  };
}

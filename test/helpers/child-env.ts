/**
 * The variables removed from the environment of every process a test spawns: ifgate's own
 * settings (so the test's flags and extras alone configure a child ifgate) and those `node --test`
 * sets for its test processes (the child is no test process).
 */
export const SCRUBBED_ENV: readonly string[] = Object.freeze([
  'IFGATE_CONFIG', 'IFGATE_ORIGIN', 'IFGATE_LISTEN', 'IFGATE_ADMIN_LISTEN', 'IFGATE_ADMIN_TOKEN', 'IFGATE_STORE', 'IFGATE_WORKERS', 'LOG_LEVEL',
  'NODE_TEST_CONTEXT', 'NODE_OPTIONS'
])

/**
 * Returns the environment for a child process: this process's without SCRUBBED_ENV, then `extra`
 * (a value of undefined removes that variable too).
 */
export function childEnv (extra: Readonly<Record<string, string | undefined>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const key of SCRUBBED_ENV) delete env[key]
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key]
    else env[key] = value
  }
  return env
}

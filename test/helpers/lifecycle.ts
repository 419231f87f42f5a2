/** Something a test started and must close. */
export interface Closable { close (): Promise<unknown> }

/**
 * Closes everything in `started`, newest first, even when one close fails (anything left open
 * keeps the event loop alive and the file never ends); rethrows the first failure.
 */
export async function closeAll (started: Closable[]): Promise<void> {
  const failures: unknown[] = []
  for (const service of started.splice(0).reverse()) {
    try {
      await service.close()
    } catch (err) {
      failures.push(err)
    }
  }
  if (failures.length > 0) throw failures[0]
}

/** Returns true while a process with this pid exists (signal 0 checks without signalling). */
export function pidAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

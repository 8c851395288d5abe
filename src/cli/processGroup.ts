// stopProcessGroup: ends a child spawned with `detached: true` and everything it started (npx →
// wrangler → workerd): SIGTERM to the group, up to `graceMs` for the leader to exit, then SIGKILL to
// whatever of the group is left. For the local tools that start servers (load, simulate, e2e tests).
import type { ChildProcess } from 'node:child_process'

export async function stopProcessGroup(child: ChildProcess | null, graceMs: number): Promise<void> {
  if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  const pgid = child.pid
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  signalGroup(pgid, 'SIGTERM')
  await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))])
  signalGroup(pgid, 'SIGKILL')
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal)
  } catch {
    // The group is already gone.
  }
}

// Child processes for the load test: spawns a command in its own process group, keeps the decision log
// lines it prints (and a tail of the rest), waits until an HTTP URL answers, and stops the whole group.
import { freePort } from '../ports'
import { stopProcessGroup } from '../processGroup'
import { spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

export interface Child {
  readonly name: string
  /** Decision log lines (JSON objects with a `ref`) printed so far. */
  readonly logLines: Record<string, unknown>[]
  tail(): string
  /** CPU seconds (user + system) used so far by the live processes in the child's group, by command name (Linux; null elsewhere). */
  cpuSeconds(): Record<string, number> | null
  stop(): Promise<void>
}

const TICKS_PER_S = 100

function groupCpuSeconds(pgid: number): Record<string, number> | null {
  const total: Record<string, number> = {}
  try {
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
        // After the command: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
        const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
        if (Number(f[2]) === pgid) total[command] = (total[command] ?? 0) + (Number(f[11]) + Number(f[12])) / TICKS_PER_S
      } catch {}
    }
  } catch {
    return null
  }
  return total
}

export function startChild(name: string, command: string, args: readonly string[], env: Record<string, string>, cwd: string): Child {
  const child: ChildProcess = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  const logLines: Record<string, unknown>[] = []
  let tail = ''
  let partial = ''
  const onData = (d: Buffer): void => {
    const text = partial + d.toString()
    const lines = text.split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) {
      if (line.startsWith('{') && line.includes('"ref"')) {
        try {
          logLines.push(JSON.parse(line) as Record<string, unknown>)
          continue
        } catch {}
      }
      tail = (tail + line + '\n').slice(-4000)
    }
  }
  child.stdout?.on('data', onData)
  child.stderr?.on('data', (d: Buffer) => (tail = (tail + d.toString()).slice(-4000)))
  return {
    name,
    logLines,
    tail: () => tail,
    cpuSeconds: () => (child.pid === undefined ? null : groupCpuSeconds(child.pid)),
    stop: () => stopProcessGroup(child, 3000),
  }
}

/** Polls `url` until it answers `ok` (or the child gives up / the deadline passes). */
export async function waitForHttp(child: Child, url: string, timeoutMs = 90_000, ok: (r: Response) => boolean = (r) => r.status < 500): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const r = await fetch(url)
      await r.arrayBuffer()
      if (ok(r)) return
    } catch {}
    if (Date.now() > deadline) throw new Error(`${child.name} did not answer on ${url}:\n${child.tail()}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

export { freePort }

// A stable copy of the committed tree to run the server from: `wrangler dev` reloads on every file
// change, and a shared working tree changes all the time. Takes the repo root; returns the copy's
// folder (out/snap-<commit>, node_modules linked) and the commit. Never touches the working tree.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'

export function snapshotHead(root: string): { dir: string; commit: string } {
  const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim()
  const dir = join(root, 'out', `snap-${commit.slice(0, 12)}`)
  if (existsSync(join(dir, 'package.json'))) return { dir, commit }
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  execFileSync('sh', ['-c', `git archive ${commit} | tar -x -C "${dir}"`], { cwd: root })
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'))
  return { dir, commit }
}

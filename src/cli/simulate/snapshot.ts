// A stable copy of the committed tree to run the server from: `wrangler dev` reloads on every file
// change, and a shared working tree changes all the time. Takes the repo root; returns the copy's
// folder (out/snap-<commit>, node_modules linked) and the commit. Never touches the working tree.
// Built in a private folder and renamed into place, so two runs starting at once never share a half copy.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, renameSync, rmSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'

export function snapshotHead(root: string): { dir: string; commit: string } {
  const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim()
  const dir = join(root, 'out', `snap-${commit.slice(0, 12)}`)
  if (existsSync(join(dir, 'package.json'))) return { dir, commit }
  const work = `${dir}.tmp-${process.pid}`
  rmSync(work, { recursive: true, force: true })
  mkdirSync(work, { recursive: true })
  execFileSync('sh', ['-c', `git archive ${commit} | tar -x -C "${work}"`], { cwd: root })
  symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'))
  try {
    renameSync(work, dir)
  } catch {
    // The folder exists: another run's finished copy (use it), or a leftover without package.json.
    if (existsSync(join(dir, 'package.json'))) rmSync(work, { recursive: true, force: true })
    else {
      rmSync(dir, { recursive: true, force: true })
      renameSync(work, dir)
    }
  }
  return { dir, commit }
}

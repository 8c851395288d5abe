// The local breach corpus, read through this one module so the source is easy to swap. Takes
// nothing; returns the common/breached passwords (most common first) and the demo's leaked pairs.
// Prefers the full list of the npm package `@zxcvbn-ts/language-common` (src/passwords.json,
// ~49k passwords from public breach compilations, MIT) when it is installed; otherwise the committed
// subset `src/leaked/data/common-passwords.json`, which `npm run leaked:corpus` generates from that
// package. Node only (the range server and tests); the Worker never holds a corpus.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const CORPUS_PACKAGE = '@zxcvbn-ts/language-common'
const here = dirname(fileURLToPath(import.meta.url))
export const SUBSET_FILE = join(here, '../../leaked/data/common-passwords.json')
export const DEMO_PAIRS_FILE = join(here, '../../leaked/data/demo-pairs.json')

export interface PasswordCorpus {
  /** Where the list came from: `<package>@<version>` or `<package>@<version> (top N, committed subset)`. */
  readonly source: string
  /** Most common first; the rank stands in for a breach count (the package has no counts). */
  readonly passwords: readonly string[]
}

/** The package's directory, or null when it is not installed. */
export function corpusPackageDir(from?: string): string | null {
  if (from !== undefined) return from
  try {
    return dirname(createRequire(import.meta.url).resolve(`${CORPUS_PACKAGE}/package.json`))
  } catch {
    return null
  }
}

/** The full list from an installed (or unpacked, `from`) package, or null. */
export function packageCorpus(from?: string): PasswordCorpus | null {
  const dir = corpusPackageDir(from)
  if (dir === null) return null
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string }
  const passwords = JSON.parse(readFileSync(join(dir, 'src/passwords.json'), 'utf8')) as unknown
  if (!Array.isArray(passwords) || !passwords.every((p) => typeof p === 'string')) throw new TypeError(`${dir}/src/passwords.json is not a list of strings`)
  return { source: `${pkg.name ?? CORPUS_PACKAGE}@${pkg.version ?? '?'}`, passwords }
}

interface SubsetFile {
  readonly source: string
  readonly passwords: readonly string[]
}

export function subsetCorpus(): PasswordCorpus {
  const file = JSON.parse(readFileSync(SUBSET_FILE, 'utf8')) as SubsetFile
  return { source: `${file.source} (committed subset)`, passwords: file.passwords }
}

export function loadPasswordCorpus(): PasswordCorpus {
  return packageCorpus() ?? subsetCorpus()
}

/** `username:password` pairs the demo treats as leaked (synthetic: a few demo accounts, docs/leaked.md). */
export function loadDemoPairs(): readonly string[] {
  const file = JSON.parse(readFileSync(DEMO_PAIRS_FILE, 'utf8')) as { pairs: readonly string[] }
  return file.pairs
}

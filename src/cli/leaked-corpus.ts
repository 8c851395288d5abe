// `npm run leaked:corpus [-- --from <unpacked package dir>] [--top N]`: writes the committed subset of
// the breach corpus (src/leaked/data/common-passwords.json, the N most common passwords, default
// 2000) from `@zxcvbn-ts/language-common`, installed or unpacked (`npm pack` + tar). The subset is
// what the local range server serves when the package is not installed (src/cli/leaked/corpus.ts).
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { CORPUS_PACKAGE, packageCorpus, SUBSET_FILE } from './leaked/corpus'

const { values } = parseArgs({ options: { from: { type: 'string' }, top: { type: 'string', default: '2000' } } })
const top = Number.parseInt(values.top ?? '2000', 10)
if (!(top > 0)) throw new TypeError('--top must be a positive integer')
const corpus = packageCorpus(values.from)
if (corpus === null) {
  console.error(`leaked:corpus: ${CORPUS_PACKAGE} is not installed; pass --from <dir of the unpacked package>`)
  process.exit(1)
}
const passwords = corpus.passwords.slice(0, top)
writeFileSync(SUBSET_FILE, `${JSON.stringify({ source: corpus.source, top, generated_by: 'npm run leaked:corpus', passwords }, null, 1)}\n`)
console.log(JSON.stringify({ file: SUBSET_FILE, source: corpus.source, passwords: passwords.length }))

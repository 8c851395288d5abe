// `npm run range-server`: the local breach-corpus range server on its own (PORT, default 8790),
// for pointing a Worker or another tool at it by hand. `npm start` runs one itself on a free port.
import { loadDemoPairs, loadPasswordCorpus } from './leaked/corpus'
import { startRangeServer } from './leaked/server'

const corpus = loadPasswordCorpus()
const range = await startRangeServer({ passwords: corpus.passwords, pairs: loadDemoPairs(), port: Number.parseInt(process.env.PORT ?? '8790', 10) })
console.error(`edgeward: range server (${corpus.source}, ${corpus.passwords.length} passwords): leaked.range_url ${range.url}, leaked.pair_range_url ${range.pairUrl}`)

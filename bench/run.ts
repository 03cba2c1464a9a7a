// `npm run bench [name...]`: runs the named benchmarks (all without a name). Each measures
// Lookout against a reference in the same run and prints one JSON line:
// {"bench": ..., "ours_ms": ..., "ref": ..., "ref_ms": ..., "ratio": ...}
import { benchmarks } from './benchmarks'

const wanted = process.argv.slice(2)
const unknown = wanted.filter((n) => !benchmarks[n])
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(benchmarks).join(', ')}`)
  process.exit(2)
}
for (const name of wanted.length ? wanted : Object.keys(benchmarks)) {
  const results = await benchmarks[name]!()
  for (const result of Array.isArray(results) ? results : [results]) console.log(JSON.stringify({ bench: name, ...result }))
}
process.exit(0)

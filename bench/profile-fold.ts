/**
 * Folding 10,000 sampled stacks (target ≤ 1 s), against a stackcollapse-jstack-style reference.
 *
 * Input: real dumps of a JVM (the ThreadPatient fixture with 96 idle threads, a spinning one and a
 * record-decoding one), concatenated until they hold 10,000 thread stacks — the file a "poor man's
 * profiler" loop of `jstack >> out` produces.
 * - kafka-doctor: parseThreadDumps() + StackFolder.addDumped() for every thread of every dump.
 * - reference: FlameGraph's stackcollapse-jstack.pl is not available offline here, so the reference is
 *   a one-pass awk collapse written for this benchmark that does the same job the simplest way (per
 *   thread: reverse its `at` frames, join with `;`, prefix the thread name, count identical lines).
 * Run: npm run bench:fold
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { StackFolder } from '../src/analyse/threads/fold.js'
import { attachThreadDump } from '../src/collect/threads/hotspot-attach.js'
import { inspectJvm } from '../src/collect/threads/jvm-target.js'
import { parseThreadDumps } from '../src/collect/threads/thread-dump.js'
import { startJavaProgram } from '../test/support/java-programs.js'

const wanted = Number(process.env.BENCH_SAMPLES ?? 10_000)
const jvm = await startJavaProgram('ThreadPatient', ['spin', 'deserialize', 'idle=96'])
const dumps: string[] = []
let stacks = 0
try {
  const target = inspectJvm(jvm.pid)
  while (stacks < wanted) {
    const text = await attachThreadDump(target)
    dumps.push(text)
    stacks += parseThreadDumps(text)[0]!.threads.length
  }
} finally {
  await jvm.stop()
}
const input = dumps.join('\n')
const file = join(mkdtempSync(join(tmpdir(), 'kd-bench-')), 'dumps.txt')
writeFileSync(file, input)
console.log(
  `input: ${dumps.length} real dumps, ${stacks} thread stacks, ${(input.length / 1024 / 1024).toFixed(1)} MiB`,
)

function fold(): number {
  const folder = new StackFolder()
  for (const dump of parseThreadDumps(input))
    for (const t of dump.threads) folder.addDumped(t.name, t.frames, 1)
  return folder.size
}
fold()
const times: number[] = []
let distinct = 0
for (let i = 0; i < 7; i++) {
  const t0 = performance.now()
  distinct = fold()
  times.push(performance.now() - t0)
}
times.sort((a, b) => a - b)
const ours = times[3]!
console.log(`kafka-doctor parse + fold: ${ours.toFixed(1)} ms (median of 7) → ${distinct} distinct stacks`)

const awkProgram = [
  'function flush() { if (name != "") { s = name; for (i = n; i >= 1; i--) s = s ";" f[i]; c[s]++ } name = ""; n = 0 }',
  '/^"/ { flush(); name = substr($0, 2, index(substr($0, 2), "\\"") - 1); next }',
  '/^\\tat / { line = substr($0, 5); p = index(line, "("); if (p > 0) line = substr(line, 1, p - 1); f[++n] = line; next }',
  '/^$/ { flush() }',
  'END { flush(); for (k in c) print k, c[k] }',
].join('\n')
const awkTimes: number[] = []
let awkLines = 0
for (let i = 0; i < 5; i++) {
  const t0 = performance.now()
  const run = spawnSync('awk', [awkProgram, file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
  awkTimes.push(performance.now() - t0)
  awkLines = run.stdout.trim().split('\n').length
}
awkTimes.sort((a, b) => a - b)
const awk = awkTimes[2]!
console.log(
  `awk stackcollapse-style pass (reference, incl. process start): ${awk.toFixed(1)} ms → ${awkLines} distinct stacks`,
)
console.log(`target ≤ 1000 ms: ${ours <= 1000 ? 'MET' : 'MISSED'}`)
console.log(`ratio: awk takes ${(awk / ours).toFixed(2)}× kafka-doctor's time`)

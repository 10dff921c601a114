/**
 * Parsing a real 5,000-thread dump (target ≤ 100 ms), against the simplest reference that reads the
 * same dump: one `awk` pass that does what shell scripts such as show-busy-java-threads do with
 * sed/awk — pick every thread header's name and nid and count its frames — with no state, lock or
 * CPU fields. It is a lower bound on what any parser costs, not a full parser.
 *
 * The dump is real: a JVM with 5,000 parked threads plus a spinning one, dumped with jcmd.
 * Run: npm run bench:parse
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { takeThreadDump } from '../src/collect/threads/dump-runner.js'
import { inspectJvm } from '../src/collect/threads/jvm-target.js'
import { parseThreadDump } from '../src/collect/threads/thread-dump.js'
import { startJavaProgram } from '../test/support/java-programs.js'

const threadCount = Number(process.env.BENCH_THREADS ?? 5000)
const jvm = await startJavaProgram('ThreadPatient', ['spin', `idle=${threadCount}`], {
  jvmArgs: ['-Xss256k'],
})
let text: string
try {
  text = (await takeThreadDump(inspectJvm(jvm.pid))).text
} finally {
  await jvm.stop()
}
const file = join(mkdtempSync(join(tmpdir(), 'kd-bench-')), 'dump.txt')
writeFileSync(file, text)

// Warm up, then the median of 15 runs.
for (let i = 0; i < 3; i++) parseThreadDump(text)
const times: number[] = []
let threads = 0
for (let i = 0; i < 15; i++) {
  const t0 = performance.now()
  threads = parseThreadDump(text).threads.length
  times.push(performance.now() - t0)
}
times.sort((a, b) => a - b)
const ours = times[Math.floor(times.length / 2)]!
console.log(`dump: ${threads} threads, ${(text.length / 1024 / 1024).toFixed(2)} MiB`)
console.log(
  `kafka-doctor parseThreadDump: ${ours.toFixed(1)} ms (median of 15; full parse: header fields, states, frames, locks)`,
)

const awkProgram =
  '/^"/ { n++; match($0, /nid=[0-9a-fx]+/); nid = substr($0, RSTART + 4, RLENGTH - 4) } /^\\tat / { frames++ } END { print n, frames, nid }'
const awkTimes: number[] = []
let awkOut = ''
for (let i = 0; i < 5; i++) {
  const t0 = performance.now()
  const run = spawnSync('awk', [awkProgram, file], { encoding: 'utf8' })
  awkTimes.push(performance.now() - t0)
  awkOut = run.stdout.trim()
}
awkTimes.sort((a, b) => a - b)
const awk = awkTimes[Math.floor(awkTimes.length / 2)]!
console.log(
  `awk name/nid/frame-count pass (reference, incl. process start): ${awk.toFixed(1)} ms → ${awkOut}`,
)
console.log(`target ≤ 100 ms: ${ours <= 100 ? 'MET' : 'MISSED'}`)
console.log(`ratio: awk takes ${(awk / ours).toFixed(2)}× kafka-doctor's time`)

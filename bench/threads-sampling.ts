/**
 * What it costs to watch a JVM with 1,000 threads once a second (target: ≤ 1% of one core), against
 * `top -H -b -d 1 -p PID` doing the same job in the same run.
 *
 * - kafka-doctor: ThreadCpuReader.sample() + cpuDeltas() once a second for N seconds; our own CPU is
 *   read with process.cpuUsage() around the loop (sleeping costs nothing).
 * - top: `top -H -b -n N+1 -d 1 -p PID` (N refresh intervals after its baseline); its CPU is read from
 *   our children's utime+stime in /proc/self/stat (cutime/cstime) around the run.
 *
 * Run: npm run bench:threads  (BENCH_SECONDS=30 by default; BENCH_THREADS=1000)
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { clockTicksPerSecond } from '../src/collect/threads/clock-ticks.js'
import { cpuDeltas, ThreadCpuReader } from '../src/collect/threads/proc-stat.js'
import { startJavaProgram } from '../test/support/java-programs.js'

const seconds = Number(process.env.BENCH_SECONDS ?? 30)
const threadCount = Number(process.env.BENCH_THREADS ?? 1000)

function childrenCpuMs(ticks: number): number {
  const stat = readFileSync('/proc/self/stat', 'latin1')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // fields[0] is field 3; cutime is field 16 → [13], cstime field 17 → [14].
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / ticks
}

const ticks = await clockTicksPerSecond()
const jvm = await startJavaProgram('ThreadPatient', ['spin', `idle=${threadCount}`], {
  jvmArgs: ['-Xss256k'],
})
try {
  const tasks = readFileSync(`/proc/${jvm.pid}/status`, 'latin1').match(/^Threads:\s*(\d+)/m)?.[1]
  console.log(`JVM ${jvm.pid} with ${tasks} threads; ${seconds} samples at 1/s each`)

  const reader = new ThreadCpuReader(jvm.pid, { clockTicks: ticks })
  let previous = reader.sample()
  const before = process.cpuUsage()
  const wallStart = performance.now()
  let threadsSeen = 0
  for (let i = 0; i < seconds; i++) {
    await sleep(1000)
    const current = reader.sample()
    threadsSeen = cpuDeltas(previous, current).length
    previous = current
  }
  const used = process.cpuUsage(before)
  const wallS = (performance.now() - wallStart) / 1000
  reader.close()
  const ourMs = (used.user + used.system) / 1000
  const ourPercent = (ourMs / (wallS * 1000)) * 100
  console.log(
    `kafka-doctor sampler (${reader.source}): ${ourMs.toFixed(1)} ms CPU over ${wallS.toFixed(1)} s = ${ourPercent.toFixed(3)}% of a core (${(ourMs / seconds).toFixed(2)} ms per sample of ${threadsSeen} threads)`,
  )

  const topBefore = childrenCpuMs(ticks)
  const topStart = performance.now()
  const top = spawnSync('top', ['-H', '-b', '-n', String(seconds + 1), '-d', '1', '-p', String(jvm.pid)], {
    env: { ...process.env, HOME: '/nonexistent' }, // no ~/.toprc changing the columns
    maxBuffer: 256 * 1024 * 1024,
    timeout: (seconds + 30) * 1000,
  })
  const topWallS = (performance.now() - topStart) / 1000
  const topMs = childrenCpuMs(ticks) - topBefore
  if (top.status !== 0) throw new Error(`top failed: ${top.stderr}`)
  const topPercent = (topMs / (topWallS * 1000)) * 100
  console.log(
    `top -H -b -d 1 -p PID (reference): ${topMs.toFixed(1)} ms CPU over ${topWallS.toFixed(1)} s = ${topPercent.toFixed(3)}% of a core (clock-tick resolution: ${(1000 / ticks).toFixed(0)} ms)`,
  )
  console.log(`target ≤ 1% of a core: ${ourPercent <= 1 ? 'MET' : 'MISSED'}`)
  console.log(`ratio: top uses ${(topPercent / ourPercent).toFixed(1)}× the CPU of kafka-doctor's sampler`)
} finally {
  await jvm.stop()
}

/**
 * `npm run demo`: the full diagnosis with no cluster. Builds kafka-doctor, then runs
 * `kafka-doctor analyze examples/stale-leader-incident --out demo-report` — an evidence bundle recorded
 * from the reproduced reference incident (examples/stale-leader-incident/README.md) — and prints where
 * report.html is. A diagnosis that finds a problem is the demo working: kafka-doctor's exit codes
 * 0/1/2 (OK/WARNING/CRITICAL) end the script with 0; anything else (3: could not analyse) is passed on.
 */
import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join, relative } from 'node:path'
import { repoRoot } from './kafka/paths.js'
import { runMain } from './lib/main.js'
import { runCommand } from './lib/run.js'

const bundle = join(repoRoot, 'examples', 'stale-leader-incident')
const out = join(repoRoot, 'demo-report')
const verdicts: Record<number, string> = { 0: 'OK', 1: 'WARNING', 2: 'CRITICAL' }

runMain(async () => {
  process.stderr.write('building kafka-doctor (npm run build)\n')
  const build = await runCommand('npm', ['run', 'build'], { cwd: repoRoot, timeoutMs: 300_000 })
  if (build.code !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`)

  // The report of an earlier run is replaced, not mixed with this one.
  rmSync(out, { recursive: true, force: true })
  const args = ['analyze', relative(repoRoot, bundle), '--out', relative(repoRoot, out)]
  process.stderr.write(`$ kafka-doctor ${args.join(' ')}\n\n`)
  const run = spawnSync(process.execPath, [join(repoRoot, 'bin', 'kafka-doctor.js'), ...args], {
    cwd: repoRoot,
    stdio: 'inherit',
  })
  const code = run.status ?? 3
  const verdict = verdicts[code]
  if (verdict === undefined) {
    process.exitCode = code
    return
  }
  process.stderr.write(
    `\nkafka-doctor exited ${code} (${verdict}: the verdict on this bundle). Open the report in a browser:\n` +
      `  ${join(out, 'report.html')}\n`,
  )
})

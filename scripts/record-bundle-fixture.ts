/**
 * `tsx scripts/record-bundle-fixture.ts BUNDLE NAME [--packets N]`: copies an evidence bundle written
 * by `kafka-doctor diagnose` into test/fixtures/bundles/NAME, small enough to commit: the capture is
 * cut to its first N packets (default 200; traffic.json, analysed from the whole capture, stays as it
 * is), the profile's pages (flame graph, speedscope) and the analysis outputs are left out. The
 * manifest records the trim in the capture's warnings, so the fixture says what was done to it.
 */
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { repoRoot } from './kafka/paths.js'
import { runMain } from './lib/main.js'

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { packets: { type: 'string', default: '200' } },
})

runMain(async () => {
  const [from, name] = positionals
  if (!from || !name) throw new Error('usage: record-bundle-fixture.ts BUNDLE NAME [--packets N]')
  const packets = Number(values.packets)
  const to = join(repoRoot, 'test', 'fixtures', 'bundles', name)
  await rm(to, { recursive: true, force: true })
  await mkdir(to, { recursive: true })
  const skip = new Set(['findings.json', 'report.json', 'report.html'])
  await cp(from, to, {
    recursive: true,
    filter: (path) => {
      const base = path.slice(from.length + 1)
      return !skip.has(base) && !base.endsWith('profile.html') && !base.endsWith('profile.speedscope.json')
    },
  })
  const manifestPath = join(to, 'manifest.json')
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8'))
  manifest.outputs = []
  manifest.sources.profile.files = manifest.sources.profile.files.filter(
    (f: string) => !f.endsWith('.html') && !f.endsWith('speedscope.json'),
  )
  const capturePath = join(to, 'capture', 'capture.pcap')
  const capture = await readFile(capturePath).catch(() => undefined)
  if (capture) {
    // Classic little-endian pcap, as strip-capture.ts writes it: 24-byte header, 16-byte record headers.
    let offset = 24
    let kept = 0
    while (offset + 16 <= capture.length && kept < packets) {
      offset += 16 + capture.readUInt32LE(offset + 8)
      kept++
    }
    await writeFile(capturePath, capture.subarray(0, offset))
    manifest.sources.capture.warnings.push(
      `test fixture: capture.pcap cut to its first ${kept} packets (traffic.json is the analysis of the whole capture)`,
    )
  }
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`)
  // The other JSON files without indentation: same content, a third of the bytes. (kafka-doctor
  // writes int64 values beyond 2^53 as strings, so parsing and printing them again loses nothing.)
  for (const file of await jsonFiles(to)) {
    if (file === manifestPath) continue
    await writeFile(file, `${JSON.stringify(JSON.parse(await readFile(file, 'utf8')))}\n`)
  }
  process.stderr.write(`wrote ${to}\n`)
})

async function jsonFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true })
  return entries.filter((e) => e.isFile() && e.name.endsWith('.json')).map((e) => join(e.parentPath, e.name))
}

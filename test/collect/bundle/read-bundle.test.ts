import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BundleWriter } from '../../../src/collect/bundle/bundle-writer.js'
import { readBundle } from '../../../src/collect/bundle/read-bundle.js'
import { BadInputError, NotFoundError, UsageError } from '../../../src/errors.js'
import { bundleOf, generateThreads, stacks } from '../../support/generate-evidence.js'

const dirs: string[] = []
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kd-bundle-'))
  dirs.push(dir)
  return dir
}

/** A bundle on disk with real-shaped threads.json and a manifest that lists it. */
async function writeBundle(): Promise<string> {
  const dir = join(await tempDir(), 'bundle')
  const writer = await BundleWriter.create(dir)
  const threads = generateThreads({
    threads: [{ name: 'main', cpu: 80, frames: stacks.kafkaPoll }],
    noise: 0,
    seed: 1,
  })
  await writer.writeJson('threads.json', threads)
  const { manifest } = bundleOf({ threads })
  manifest.sources.threads.files = ['threads.json']
  await writer.writeManifest(manifest)
  return dir
}

describe('readBundle', () => {
  it('reads back what was written, sources validated and marked usable', async () => {
    const dir = await writeBundle()
    const bundle = await readBundle(dir)
    expect(bundle.availability.threads).toEqual({ status: 'collected', usable: true })
    expect(bundle.availability.capture).toEqual({ status: 'skipped', usable: false, reason: 'not asked for' })
    expect(bundle.threads?.hottest[0]?.name).toBe('main')
    expect(bundle.threads?.hottest[0]?.classification.kind).toBe('kafka-poll-spinning')
    expect(bundle.warnings).toEqual([])
  })

  it('marks a collected source whose file is gone as missing, and still loads', async () => {
    const dir = await writeBundle()
    await rm(join(dir, 'threads.json'))
    const bundle = await readBundle(dir)
    expect(bundle.availability.threads).toEqual({
      status: 'missing',
      usable: false,
      reason: 'threads.json is not in the bundle',
    })
    expect(bundle.threads).toBeUndefined()
    expect(bundle.warnings).toEqual(['threads: threads.json is not in the bundle'])
  })

  it('refuses a corrupt manifest with the file and the JSON pointer of the first problem', async () => {
    const dir = await writeBundle()
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'))
    manifest.sources.lag.status = 'done'
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest))
    const error = await readBundle(dir).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BadInputError)
    expect((error as BadInputError).message).toMatch(
      /^manifest\.json: \/sources\/lag\/status: Invalid option/,
    )
  })

  it('refuses a manifest that is not JSON, or not a bundle manifest, or from a newer schema', async () => {
    const dir = await writeBundle()
    const path = join(dir, 'manifest.json')
    await writeFile(path, '{"schema": "kafka-doctor/bundle@1", ')
    await expect(readBundle(dir)).rejects.toThrow(/^manifest\.json: not JSON/)
    await writeFile(path, JSON.stringify({ hello: 'world' }))
    await expect(readBundle(dir)).rejects.toThrow(
      'manifest.json: not a kafka-doctor bundle manifest (schema null)',
    )
    await writeFile(path, JSON.stringify({ schema: 'kafka-doctor/bundle@2' }))
    await expect(readBundle(dir)).rejects.toThrow(
      'manifest.json: bundle schema kafka-doctor/bundle@2 is not supported (this kafka-doctor reads kafka-doctor/bundle@1)',
    )
  })

  it('refuses a damaged source file, naming it and the pointer', async () => {
    const dir = await writeBundle()
    const threads = JSON.parse(await readFile(join(dir, 'threads.json'), 'utf8'))
    threads.hottest[0].classification.kind = 'spinning-wildly'
    await writeFile(join(dir, 'threads.json'), JSON.stringify(threads))
    await expect(readBundle(dir)).rejects.toThrow(
      /^threads\.json: \/hottest\/0\/classification\/kind: Invalid option/,
    )
    threads.schema = 'kafka-doctor/threads@9'
    await writeFile(join(dir, 'threads.json'), JSON.stringify(threads))
    await expect(readBundle(dir)).rejects.toThrow(
      /^threads\.json: \/schema: Invalid input: expected "kafka-doctor\/threads@1"/,
    )
  })

  it('a directory without a manifest, or no directory at all', async () => {
    const dir = await tempDir()
    await expect(readBundle(dir)).rejects.toThrow(NotFoundError)
    await expect(readBundle(dir)).rejects.toThrow(/holds no manifest\.json \(ENOENT\)/)
    await expect(readBundle(join(dir, 'nope'))).rejects.toThrow(/does not exist \(ENOENT\)/)
    await writeFile(join(dir, 'file'), 'x')
    await expect(readBundle(join(dir, 'file'))).rejects.toThrow(/is not a directory/)
  })
})

describe('BundleWriter', () => {
  it('never writes into a directory that already holds files, nor outside the bundle', async () => {
    const dir = await writeBundle()
    await expect(BundleWriter.create(dir)).rejects.toThrow(UsageError)
    const fresh = await BundleWriter.create(join(await tempDir(), 'new'))
    expect(() => fresh.path('../escape.json')).toThrow(/outside the bundle/)
    expect(() => fresh.path('/etc/passwd')).toThrow(/outside the bundle/)
    await fresh.appendJsonLine('lag/samples.jsonl', { a: 1n })
    await fresh.appendJsonLine('lag/samples.jsonl', { a: 2n })
    expect(await readFile(fresh.path('lag/samples.jsonl'), 'utf8')).toBe('{"a":1}\n{"a":2}\n')
    expect(fresh.written).toEqual(['lag/samples.jsonl'])
  })
})

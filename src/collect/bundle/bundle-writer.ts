import { appendFile, copyFile, mkdir, readdir, stat, writeFile } from 'node:fs/promises'
import { dirname, isAbsolute, join, normalize, sep } from 'node:path'
import { CollectError, UsageError } from '../../errors.js'
import { toJson } from '../../util/json.js'
import { bundleFiles } from './bundle-files.js'
import type { BundleManifest } from './manifest.js'

/**
 * Writes an evidence bundle directory. Every path is bundle-relative with forward slashes (as the
 * manifest and the findings record them) and must stay inside the bundle. The writer creates the
 * directory (or takes an empty one) and never overwrites another bundle: a directory that already
 * holds files is refused, so that two runs never mix their evidence.
 */
export class BundleWriter {
  readonly dir: string
  readonly #written = new Set<string>()

  private constructor(dir: string) {
    this.dir = dir
  }

  static async create(dir: string): Promise<BundleWriter> {
    try {
      const entries = await readdir(dir)
      if (entries.length > 0) {
        throw new UsageError(`${dir} already exists and is not empty`, {
          hint: 'give --out a new directory (bundles are never overwritten)',
        })
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOTDIR')
        throw new UsageError(`${dir} is a file, not a directory`, { hint: 'give --out a new directory' })
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        if (error instanceof UsageError) throw error
        throw new CollectError(`cannot use ${dir}: ${(error as NodeJS.ErrnoException).code ?? error}`)
      }
    }
    await ensureDir(dir)
    return new BundleWriter(dir)
  }

  /** Absolute path of a bundle-relative path, refusing anything that would leave the bundle. */
  path(relative: string): string {
    const cleaned = normalize(relative)
    if (isAbsolute(relative) || cleaned.startsWith('..') || cleaned.split(sep).includes('..')) {
      throw new CollectError(`refusing to write ${relative} outside the bundle`)
    }
    return join(this.dir, cleaned)
  }

  async writeJson(relative: string, value: unknown): Promise<string> {
    return this.writeText(relative, `${toJson(value)}\n`)
  }

  async writeText(relative: string, text: string | Uint8Array): Promise<string> {
    const target = this.path(relative)
    await guard(relative, async () => {
      await mkdir(dirname(target), { recursive: true })
      await writeFile(target, text)
    })
    this.#written.add(relative)
    return relative
  }

  /** Appends one JSON value as a line (lag samples arrive one snapshot at a time). */
  async appendJsonLine(relative: string, value: unknown): Promise<string> {
    return this.appendText(relative, `${toJson(value, { indent: 0 })}\n`)
  }

  async appendText(relative: string, text: string): Promise<string> {
    const target = this.path(relative)
    await guard(relative, async () => {
      await mkdir(dirname(target), { recursive: true })
      await appendFile(target, text)
    })
    this.#written.add(relative)
    return relative
  }

  async copyIn(from: string, relative: string): Promise<string> {
    const target = this.path(relative)
    await guard(relative, async () => {
      await mkdir(dirname(target), { recursive: true })
      await copyFile(from, target)
    })
    this.#written.add(relative)
    return relative
  }

  /** Records a file some other writer (writeProfileFiles) put into the bundle. */
  adopt(relative: string): string {
    this.path(relative)
    this.#written.add(relative)
    return relative
  }

  get written(): readonly string[] {
    return [...this.#written].sort()
  }

  async writeManifest(manifest: BundleManifest): Promise<string> {
    return this.writeJson(bundleFiles.manifest, manifest)
  }
}

async function ensureDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true })
    if (!(await stat(dir)).isDirectory()) throw new Error('not a directory')
  } catch (error) {
    throw new CollectError(`cannot create ${dir}: ${(error as NodeJS.ErrnoException).code ?? error}`, {
      hint: 'choose a writable directory with --out',
    })
  }
}

async function guard(relative: string, write: () => Promise<void>): Promise<void> {
  try {
    await write()
  } catch (error) {
    if (error instanceof CollectError) throw error
    throw new CollectError(
      `cannot write ${relative} into the bundle: ${(error as NodeJS.ErrnoException).code ?? error}`,
      { hint: 'check the free space and permissions of --out' },
    )
  }
}

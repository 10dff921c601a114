import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { foldedText } from '../analyse/threads/fold.js'
import type { ProfileResult } from '../collect/profile/profile-result.js'
import { CollectError } from '../errors.js'
import { toJson } from '../util/json.js'
import { toolVersion } from '../version.js'
import { renderFlameGraphHtml } from './flame-graph-html.js'
import { toSpeedscope } from './speedscope.js'

/**
 * Writes a profile's outputs into one directory:
 * - `profile.folded`: collapsed stacks, for flamegraph.pl, speedscope, or `profile --from-collapsed`;
 * - `profile.speedscope.json`: speedscope's own format, one profile per thread;
 * - `profile.html`: the self-contained flame graph page;
 * - `profile.json`: the whole result (what `diagnose` stores).
 */
export interface ProfileFiles {
  folded: string
  speedscope: string
  html: string
  json: string
}

export async function writeProfileFiles(
  profile: ProfileResult,
  outDir: string,
  title: string,
  subtitle: string,
): Promise<ProfileFiles> {
  const files: ProfileFiles = {
    folded: join(outDir, 'profile.folded'),
    speedscope: join(outDir, 'profile.speedscope.json'),
    html: join(outDir, 'profile.html'),
    json: join(outDir, 'profile.json'),
  }
  try {
    await mkdir(outDir, { recursive: true })
    await writeFile(files.folded, foldedText(profile.stacks))
    await writeFile(
      files.speedscope,
      JSON.stringify(toSpeedscope(profile, title, `kafka-doctor ${toolVersion}`)),
    )
    await writeFile(files.html, renderFlameGraphHtml(profile, { title, subtitle, toolVersion }))
    await writeFile(files.json, `${toJson(profile)}\n`)
  } catch (error) {
    if (error instanceof CollectError) throw error
    throw new CollectError(
      `cannot write the profile to ${outDir}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      {
        hint: 'choose a writable directory with --out',
      },
    )
  }
  return files
}

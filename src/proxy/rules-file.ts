import { type FSWatcher, watch } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { BadInputError, NotFoundError } from '../errors.js'
import { type ParsedRule, parseRules } from './rules.js'

/** Reads and validates a rules file; YAML 1.2 is a superset of JSON, so one parser reads both. */
export async function readRulesFile(file: string): Promise<ParsedRule[]> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new NotFoundError(
      `cannot read rules file ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    )
  }
  let document: unknown
  try {
    document = text.trim() === '' ? { rules: [] } : parseYaml(text)
  } catch (error) {
    throw new BadInputError(
      `rules file ${file} is neither JSON nor YAML: ${(error as Error).message.split('\n')[0]}`,
    )
  }
  return parseRules(document ?? { rules: [] }, file)
}

/**
 * Calls `onRules` whenever the file changes and still validates, `onError` when it does not (the
 * caller keeps the previous rules). The directory is watched, not the file, because editors replace
 * files by renaming a new one over them. Returns a function that stops watching.
 */
export function watchRulesFile(
  file: string,
  onRules: (rules: ParsedRule[]) => void,
  onError: (error: Error) => void,
): () => void {
  let timer: NodeJS.Timeout | undefined
  let reading = Promise.resolve()
  const reload = () => {
    reading = reading.then(async () => {
      try {
        onRules(await readRulesFile(file))
      } catch (error) {
        onError(error as Error)
      }
    })
  }
  const watcher: FSWatcher = watch(dirname(file), (_event, name) => {
    if (name !== null && name !== basename(file)) return
    clearTimeout(timer)
    timer = setTimeout(reload, 100)
  })
  watcher.on('error', (error) => onError(error))
  return () => {
    clearTimeout(timer)
    watcher.close()
  }
}

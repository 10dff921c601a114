import { readFileSync } from 'node:fs'

/** The tool's version, read once from package.json so that it is stated in exactly one place. */
export const toolVersion: string = (() => {
  const pkg: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  return typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string'
    ? pkg.version
    : '0.0.0'
})()

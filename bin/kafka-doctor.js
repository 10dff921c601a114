#!/usr/bin/env node
// Thin shim: the CLI is compiled to dist/ by `npm run build`.
import module from 'node:module'

module.enableCompileCache?.()
const { main } = await import('../dist/cli/main.js')
const code = await main(process.argv)
process.exitCode = code

// Output to a slow pipe can still be queued in the process (e.g. megabytes of `lag --all-groups --json`):
// let both streams drain before anything may end the process.
const drained = (stream) =>
  new Promise((resolve) => {
    if (!stream.writableLength) return resolve()
    stream.write('', () => resolve())
    stream.once('error', () => resolve())
  })
await Promise.all([drained(process.stdout), drained(process.stderr)])
// Commands close their sockets and children; this guards against a forgotten handle turning a
// finished run into a hang.
setTimeout(() => process.exit(code), 200).unref()

#!/usr/bin/env node
// Thin shim: the CLI is compiled to dist/ by `npm run build`.
import module from 'node:module'

module.enableCompileCache?.()
const { main } = await import('../dist/cli/main.js')
const code = await main(process.argv)
process.exitCode = code
// Commands close their sockets and children; this guards against a forgotten handle turning a
// finished run into a hang. Pipes and files are written synchronously on Linux, so nothing is lost.
setTimeout(() => process.exit(code), 200).unref()

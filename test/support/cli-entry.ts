// Runs the CLI from the TypeScript sources (as bin/kafka-doctor.js runs it from dist/), so that CLI
// tests need no build step. Used by test/support/cli.ts through `node --import tsx`.
import { main } from '../../src/cli/main.js'

process.exitCode = await main(process.argv)

/**
 * `npm run kafka-tool -- [--version V] <tool> <args…>`: runs one of Kafka's command-line tools
 * (kafka-topics, kafka-consumer-groups, …; see tools.ts) from the cache, like its bin/*.sh script.
 * Without --version it uses the default broker version. Exits with the tool's exit code.
 */
import { spawn } from 'node:child_process'
import { UsageError } from '../../src/errors.js'
import { runMain } from '../lib/main.js'
import { ensureKafka } from './install.js'
import { kafkaToolCommand } from './run-tool.js'
import { isKafkaToolName, kafkaToolNames } from './tools.js'
import { resolveBrokerVersion } from './versions.js'

runMain(async () => {
  const argv = process.argv.slice(2)
  let version = resolveBrokerVersion(undefined)
  if (argv[0] === '--version' && argv[1] !== undefined) {
    version = resolveBrokerVersion(argv[1])
    argv.splice(0, 2)
  }
  const [rawTool, ...args] = argv
  const tool = rawTool?.replace(/\.sh$/, '')
  if (tool === undefined || !isKafkaToolName(tool)) {
    throw new UsageError(`unknown Kafka tool '${rawTool ?? ''}'`, {
      hint: `one of: ${kafkaToolNames.join(', ')}`,
    })
  }
  await ensureKafka(version, { log: (line) => process.stderr.write(`${line}\n`) })
  const { command, args: fullArgs } = kafkaToolCommand(tool, version, args)
  // Interactive tools (console producer/consumer) need the terminal, so stdio is inherited.
  const child = spawn(command, fullArgs, { stdio: 'inherit' })
  const forward = (signal: NodeJS.Signals) => child.kill(signal)
  process.on('SIGINT', forward)
  process.on('SIGTERM', forward)
  const code = await new Promise<number>((resolve) => {
    child.on('close', (exitCode, signal) => resolve(exitCode ?? (signal ? 128 + 15 : 1)))
    child.on('error', () => resolve(127))
  })
  process.exitCode = code
})

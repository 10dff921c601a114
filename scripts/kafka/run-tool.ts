import { runCommand } from '../lib/run.js'
import { ensureKafka } from './install.js'
import { type JvmArgsOptions, kafkaJvmArgs } from './jvm.js'
import { javaBin } from './paths.js'
import { type KafkaToolName, toolMainClass } from './tools.js'

export interface ToolResult {
  code: number | null
  stdout: string
  stderr: string
  durationMs: number
}

/** The java command line that runs `tool` from Kafka `version`'s jars. */
export function kafkaToolCommand(
  tool: KafkaToolName,
  version: string,
  args: readonly string[],
  jvm: JvmArgsOptions = {},
): { command: string; args: string[] } {
  return {
    command: javaBin(),
    args: [...kafkaJvmArgs(version, 'tool', jvm), toolMainClass(tool, version), ...args],
  }
}

/**
 * Runs a Kafka tool to completion and returns its exit code and output. Bounded by `timeoutMs`
 * (default 60 s): past it the JVM is killed and a TimeoutError with the output so far is thrown.
 */
export async function runKafkaTool(
  tool: KafkaToolName,
  args: readonly string[],
  options: { version: string; timeoutMs?: number; input?: string; jvm?: JvmArgsOptions },
): Promise<ToolResult> {
  await ensureKafka(options.version)
  const { command, args: fullArgs } = kafkaToolCommand(tool, options.version, args, options.jvm)
  const result = await runCommand(command, fullArgs, {
    timeoutMs: options.timeoutMs ?? 60_000,
    ...(options.input === undefined ? {} : { input: options.input }),
  })
  return { code: result.code, stdout: result.stdout, stderr: result.stderr, durationMs: result.durationMs }
}

import { NotFoundError } from '../../errors.js'
import { exitCodeForFindings } from '../../outcome.js'
import { createIo } from '../io.js'
import {
  addConnectionOptions,
  addOutputOptions,
  type ConnectionOptions,
  type OutputOptions,
} from '../options.js'
import type { CommandModule } from './index.js'

interface ClusterFlags extends OutputOptions, ConnectionOptions {
  topic?: string[]
}

const unknownTopicOrPartition = 3

export const clusterCommand: CommandModule = {
  register(program) {
    const command = program
      .command('cluster')
      .description(
        'cluster health: brokers, controller and KRaft quorum, per-partition leader/epoch/replicas/ISR, under-replicated, min-ISR, offline and preferred-leader problems — and every broker asked for its own metadata, diffed',
      )
      .option(
        '--topic <name>',
        'only this topic (repeat for more); default every topic',
        (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
      )
    addConnectionOptions(command)
    addOutputOptions(command)
    command.action(async (flags: ClusterFlags) => {
      const io = createIo({ json: flags.json ?? false })
      const { parseBootstrapServers } = await import('../../net/address.js')
      const { readClientConfig } = await import('../../net/client-config.js')
      const { collectClusterSnapshot } = await import('../../collect/cluster/collect-cluster.js')
      const { analyseCluster } = await import('../../analyse/cluster/analyse-cluster.js')
      const { renderClusterText } = await import('../../report/cluster-text.js')
      const { clusterJson } = await import('../../report/cluster-json.js')

      const bootstrap = parseBootstrapServers(flags.bootstrapServer)
      const config = flags.commandConfig ? await readClientConfig(flags.commandConfig) : undefined
      const snapshot = await collectClusterSnapshot({
        bootstrap,
        topics: flags.topic ?? null,
        timeoutMs: flags.timeout,
        ...(config?.clientId ? { clientId: config.clientId } : {}),
        onProgress: (message) => io.progress(message),
      })
      io.progressDone()
      const analysis = analyseCluster(snapshot, { bootstrap: flags.bootstrapServer })
      io.result(clusterJson(analysis, snapshot), () => renderClusterText(analysis, snapshot))

      // A --topic no broker knows cannot be judged: the results above stand, the run is UNKNOWN.
      const known = new Set(analysis.topics.map((t) => t.name))
      const missing = (flags.topic ?? []).filter((name) => !known.has(name))
      if (missing.length > 0) {
        const answered = snapshot.views.some((v) =>
          v.metadata?.topics.some((t) => missing.includes(t.name) && t.errorCode === unknownTopicOrPartition),
        )
        throw new NotFoundError(
          `topic${missing.length === 1 ? '' : 's'} ${missing.map((m) => `'${m}'`).join(', ')} ${answered ? 'unknown to every broker' : 'not found'}`,
          { hint: 'check the name with kafka-topics --list' },
        )
      }
      process.exitCode = exitCodeForFindings(analysis.findings)
    })
    return command
  },
}

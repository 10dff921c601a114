/**
 * A fixture that creates many topics with raw CreateTopics requests, a batch per request — what the
 * lag benchmark needs to set up thousands of partitions in seconds rather than one kafka-topics JVM
 * per topic. Like offset-commit.ts it writes to the cluster, so it talks to the transport directly:
 * kafka-doctor's own connections refuse every API that is not read-only.
 */
import { Transport } from '../../src/net/transport.js'
import { decodeResponseFrame, encodeRequestFrame } from '../../src/protocol/frame.js'
import { ApiKey } from '../../src/protocol/generated/apis.js'
import { errorName } from '../../src/protocol/generated/errors.js'

export interface TopicSpec {
  name: string
  partitions: number
  replicationFactor: number
}

const TOPIC_ALREADY_EXISTS = 36

/** Creates `topics` through `broker` in batches; topics that already exist are fine. */
export async function createTopicsRaw(
  broker: { host: string; port: number },
  topics: readonly TopicSpec[],
  options: { batch?: number; timeoutMs?: number } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 120_000
  const transport = await Transport.connect({
    ...broker,
    connectTimeoutMs: 10_000,
    requestTimeoutMs: timeoutMs,
  })
  try {
    const batch = options.batch ?? 20
    const version = 5
    for (let i = 0, correlationId = 1; i < topics.length; i += batch, correlationId++) {
      const chunk = topics.slice(i, i + batch)
      const frame = encodeRequestFrame(
        {
          apiKey: ApiKey.CreateTopics,
          apiVersion: version,
          correlationId,
          clientId: 'kafka-doctor-bench-fixture',
        },
        {
          topics: chunk.map((t) => ({
            name: t.name,
            numPartitions: t.partitions,
            replicationFactor: t.replicationFactor,
            assignments: [],
            configs: [],
          })),
          timeoutMs,
          validateOnly: false,
        },
      ).subarray(4)
      const response = await transport.request(correlationId, frame)
      const { body } = decodeResponseFrame(response, ApiKey.CreateTopics, version, { sizePrefixed: false })
      const failed = body.topics.filter((t) => t.errorCode !== 0 && t.errorCode !== TOPIC_ALREADY_EXISTS)
      if (failed.length > 0) {
        throw new Error(
          `CreateTopics failed: ${failed.map((t) => `${t.name}: ${errorName(t.errorCode)} ${t.errorMessage ?? ''}`).join('; ')}`,
        )
      }
    }
  } finally {
    await transport.close()
  }
}

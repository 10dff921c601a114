/**
 * The Kafka codec plugged into the capture pipeline (the FrameDecoder seam of kafka-frame.ts): every
 * api key and version the generated codec knows is decoded, a response with the version of the request
 * that asked for it. Record data stays a raw view into the frame (the codec never decodes records);
 * the analysis reads batch headers only.
 *
 * Besides decoding it learns from the traffic what the rest of the capture needs: brokers named by
 * Metadata, FindCoordinator, DescribeCluster and KIP-951 answers (so brokers on unusual ports are
 * followed), and topic ids → names from Metadata answers (Fetch v13+ and Produce v13 carry only ids).
 */
import { TruncatedInputError } from '../errors.js'
import { decodeRequestFrame, decodeResponseFrame } from '../protocol/frame.js'
import { ApiKey, apiInfo } from '../protocol/generated/apis.js'
import type { ApiVersionsRequest } from '../protocol/generated/messages/api-versions.js'
import type { DescribeClusterResponse } from '../protocol/generated/messages/describe-cluster.js'
import type { FetchResponse } from '../protocol/generated/messages/fetch.js'
import type { FindCoordinatorResponse } from '../protocol/generated/messages/find-coordinator.js'
import type { MetadataResponse } from '../protocol/generated/messages/metadata.js'
import type { ProduceRequest, ProduceResponse } from '../protocol/generated/messages/produce.js'
import type { DecodeContext, FrameDecoder, KafkaResponse, ReadableRequest } from './kafka-frame.js'

/** The uuid Kafka sends when a topic has no id (old brokers, or a request by name). */
export const zeroTopicId = 'AAAAAAAAAAAAAAAAAAAAAA'

/** What a decoded request carries: the body as the codec returned it (typed per api key by the caller). */
export type DecodedBody = Record<string, unknown>

export interface KafkaDecoderStats {
  requestsDecoded: number
  responsesDecoded: number
  /** Brokers learnt from answers (host:port), in the order first seen. */
  brokersLearnt: string[]
  /** Broker addresses named by host name rather than IP: they cannot be matched to packets. */
  brokersNotFollowed: string[]
}

/** Host names that stand for the loopback addresses (test clusters and local proxies advertise them). */
const loopbackNames = new Set(['localhost', 'localhost.localdomain', 'ip6-localhost'])

export class KafkaDecoder implements FrameDecoder<DecodedBody, DecodedBody> {
  /** topic id → name, from every Metadata answer in the capture. */
  readonly topicNames = new Map<string, string>()
  readonly stats: KafkaDecoderStats = {
    requestsDecoded: 0,
    responsesDecoded: 0,
    brokersLearnt: [],
    brokersNotFollowed: [],
  }
  private readonly seenBrokers = new Set<string>()

  isKnownRequest(apiKey: number, apiVersion: number): boolean {
    const info = apiInfo(apiKey)
    return info !== undefined && apiVersion >= info.minVersion && apiVersion <= info.maxVersion
  }

  decodeRequest(request: ReadableRequest): DecodedBody {
    if (request.damaged) throw truncated(request)
    const decoded = decodeRequestFrame(request.bytes, { sizePrefixed: false })
    this.stats.requestsDecoded++
    return decoded.body as DecodedBody
  }

  expectsResponse(request: ReadableRequest, body: DecodedBody | undefined): boolean {
    if (request.header.apiKey !== ApiKey.Produce) return true
    // acks=0: the broker never answers. An undecodable Produce request is assumed to want an answer.
    return body === undefined || (body as unknown as ProduceRequest).acks !== 0
  }

  decodeResponse(
    response: KafkaResponse,
    request: ReadableRequest,
    _requestBody: DecodedBody | undefined,
    context: DecodeContext,
  ): DecodedBody {
    if (response.damaged) throw truncated(response)
    const { apiKey, apiVersion } = request.header
    const decoded = decodeResponseFrame(response.bytes, apiKey, apiVersion, { sizePrefixed: false })
    this.stats.responsesDecoded++
    const body = decoded.body as DecodedBody
    this.learnFrom(apiKey, body, context)
    return body
  }

  /** The name of a topic id seen in a Metadata answer, or undefined. */
  topicName(topicId: string): string | undefined {
    return this.topicNames.get(topicId)
  }

  private learnFrom(apiKey: number, body: DecodedBody, context: DecodeContext): void {
    switch (apiKey) {
      case ApiKey.Metadata: {
        const metadata = body as unknown as MetadataResponse
        for (const broker of metadata.brokers) this.learnBroker(broker.host, broker.port, context)
        for (const topic of metadata.topics)
          if (topic.name !== null && topic.topicId !== zeroTopicId)
            this.topicNames.set(topic.topicId, topic.name)
        return
      }
      case ApiKey.FindCoordinator: {
        const answer = body as unknown as FindCoordinatorResponse
        if (answer.host) this.learnBroker(answer.host, answer.port, context)
        for (const c of answer.coordinators) if (c.host) this.learnBroker(c.host, c.port, context)
        return
      }
      case ApiKey.DescribeCluster:
        for (const b of (body as unknown as DescribeClusterResponse).brokers)
          this.learnBroker(b.host, b.port, context)
        return
      case ApiKey.Fetch:
        for (const n of (body as unknown as FetchResponse).nodeEndpoints)
          this.learnBroker(n.host, n.port, context)
        return
      case ApiKey.Produce:
        for (const n of (body as unknown as ProduceResponse).nodeEndpoints)
          this.learnBroker(n.host, n.port, context)
        return
    }
  }

  private learnBroker(host: string, port: number, context: DecodeContext): void {
    const key = `${host}:${port}`
    if (this.seenBrokers.has(key)) return
    this.seenBrokers.add(key)
    const hosts = loopbackNames.has(host.toLowerCase()) ? ['127.0.0.1', '::1'] : [host]
    let followed = false
    for (const h of hosts) followed = context.learnBroker(h, port) || followed
    if (followed) this.stats.brokersLearnt.push(key)
    else this.stats.brokersNotFollowed.push(key)
  }
}

/** The client software a request announced (ApiVersions v3+), or undefined. */
export function clientSoftware(
  apiKey: number,
  body: DecodedBody | undefined,
): { name: string; version: string } | undefined {
  if (apiKey !== ApiKey.ApiVersions || body === undefined) return undefined
  const request = body as unknown as ApiVersionsRequest
  if (!request.clientSoftwareName) return undefined
  return { name: request.clientSoftwareName, version: request.clientSoftwareVersion }
}

function truncated(frame: { bytes: Buffer; size: number; fileOffset: number }): TruncatedInputError {
  return new TruncatedInputError(
    frame.bytes.length,
    frame.size - frame.bytes.length,
    0,
    `Kafka frame at file offset ${frame.fileOffset} (cut by snaplen or a capture gap)`,
  )
}

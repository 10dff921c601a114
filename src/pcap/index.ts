/**
 * Packet captures → Kafka requests and responses. See docs/pcap.md for the pipeline, the framing
 * heuristic and how the codec plugs in (FrameDecoder).
 */
export { BrokerEndpoints, defaultBrokerPorts } from './broker-endpoints.js'
export type { CapturedPacket, CaptureFileInfo, CaptureFormat } from './capture-packet.js'
export { CaptureParser } from './capture-parser.js'
export {
  type CaptureSource,
  type ChunkSink,
  defaultChunkSize,
  type FeedOptions,
  feedCapture,
} from './capture-source.js'
export { formatEndpoint, formatIp, type IpKey, ipKeyFromText } from './ip-address.js'
export {
  type KafkaCaptureOptions,
  KafkaCaptureSession,
  type KafkaCaptureSummary,
  readKafkaCapture,
} from './kafka-capture.js'
export type { PairingStats } from './kafka-connection.js'
export type {
  DecodeContext,
  ExchangeStatus,
  FrameDecoder,
  KafkaExchange,
  KafkaFrame,
  KafkaFrameBase,
  KafkaRequest,
  KafkaResponse,
  ReadableRequest,
  UnansweredReason,
} from './kafka-frame.js'
export type { FrameDirection, FramerStats } from './kafka-framer.js'
export {
  defaultPlausibility,
  type FramePlausibility,
  type RequestHeader,
  readRequestHeader,
  readResponseCorrelationId,
} from './kafka-header.js'
export { LinkType, linkTypeName } from './link-types.js'
export type { PacketStats, TcpSegment } from './packet-decoder.js'
export type { ConnectionInfo, Endpoint, ReassemblyStats } from './tcp-reassembler.js'
export type { GapReason, TcpStreamStats } from './tcp-stream.js'
export { type CaptureWarning, type WarningCode, warningCodes } from './warnings.js'

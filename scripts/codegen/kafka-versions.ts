/**
 * The two Kafka releases whose message definitions the protocol codec is generated from: the older
 * one (the last 3.x line, the test cluster's default) still defines the versions Kafka 4 removed
 * (KIP-896) and the 3.x-only APIs; the newer one (the newest 4.x) adds new versions and APIs. Both
 * come from scripts/kafka/versions.ts; after changing them run `npm run generate`.
 */
import { brokerVersions } from '../kafka/versions.js'

export const OLDER_KAFKA: string = brokerVersions.default
export const NEWER_KAFKA: string = brokerVersions.latest

/**
 * The two Kafka releases whose message definitions the protocol codec is generated from: the older
 * one still defines the versions Kafka 4 removed (KIP-896) and the 3.x-only APIs; the newer one adds
 * new versions and APIs. Change them here and run `npm run generate`.
 */
export const OLDER_KAFKA = '3.9.1'
export const NEWER_KAFKA = '4.4.0'

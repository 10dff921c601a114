/**
 * kafka-doctor as a library: collect evidence, analyse it with rules, report. The CLI (src/cli) is a
 * thin layer over these exports.
 */

// General
export * from './errors.js'
export * from './outcome.js'
// Packet captures
export * from './pcap/index.js'
export { toJson } from './util/json.js'
export { toolVersion } from './version.js'

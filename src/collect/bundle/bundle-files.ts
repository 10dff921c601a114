/**
 * Where everything lives inside an evidence bundle. Findings point into these files
 * (`EvidenceRef.source`), and `analyze` reads them back, so every name is defined here, once.
 *
 *   manifest.json                 what was collected, how, what failed (manifest.ts)
 *   threads.json                  per-thread CPU + parsed thread dumps (kafka-doctor/threads@1)
 *   jvm-libraries.json            the kafka-clients jar the JVM holds open (its version)
 *   profile/profile.json          the sampling profile (kafka-doctor/profile@1), with
 *   profile/profile.folded          collapsed stacks, a speedscope file and the flame graph page
 *   cluster/start/…, cluster/end/… every broker's own Metadata answer at the start and the end of the
 *                                 run, in the cluster snapshot's own layout (snapshot.json, views/…)
 *   lag/snapshots.jsonl           one lag snapshot per line (kafka-doctor/lag-snapshot@1)
 *   lag/samples.jsonl             the same as lag samples, one group × partition per line
 *   capture/traffic.json          the Kafka traffic analysis of the capture (no record bytes)
 *   capture/capture.pcap          the capture, every packet cut to the snaplen (headers, no payloads)
 *   findings.json                 the rules' findings and the diagnosis
 *   report.json                   everything a report page needs (report/report-json.ts)
 */
export const bundleFiles = {
  manifest: 'manifest.json',
  threads: 'threads.json',
  jvmLibraries: 'jvm-libraries.json',
  profileDir: 'profile',
  profile: 'profile/profile.json',
  profileFolded: 'profile/profile.folded',
  profileSpeedscope: 'profile/profile.speedscope.json',
  profileHtml: 'profile/profile.html',
  clusterDir: (phase: ClusterPhase) => `cluster/${phase}`,
  lagSnapshots: 'lag/snapshots.jsonl',
  lagSamples: 'lag/samples.jsonl',
  traffic: 'capture/traffic.json',
  capture: 'capture/capture.pcap',
  findings: 'findings.json',
  report: 'report.json',
  reportHtml: 'report.html',
} as const

/** The cluster is looked at twice: when the run starts and when it ends. */
export const clusterPhases = ['start', 'end'] as const
export type ClusterPhase = (typeof clusterPhases)[number]

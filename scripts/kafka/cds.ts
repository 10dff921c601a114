import { existsSync } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { withLock } from '../lib/lock.js'
import { launchCluster, stopBroker, stopCluster } from './cluster/cluster.js'
import { bootstrapOf } from './cluster/state.js'
import { type CdsKind, cdsArchivePath, cdsEnabled } from './jvm.js'
import { runKafkaTool } from './run-tool.js'
import { brokerVersions } from './versions.js'

/**
 * Class-data sharing (AppCDS) archives: a JVM maps the classes it would otherwise load, verify and
 * parse from a hundred jars. Measured on the 2-core machine, a broker start drops from ~2 s to ~1.2 s
 * of CPU and a tool run (kafka-topics --list) from ~0.7 s to ~0.35 s. Java 17 writes a dynamic archive
 * when a JVM started with -XX:ArchiveClassesAtExit exits normally, so the archives are made once per
 * Kafka version by a short training run: a one-broker cluster, one tool call against it, and a
 * graceful broker stop. Any failure here only costs speed: the JVMs then start without an archive.
 *
 * Training costs 10-30 s once (writing an archive is slow), which only pays off for a version that
 * starts many JVMs: the default version is trained automatically, others only with
 * KAFKA_DOCTOR_CDS=all (KAFKA_DOCTOR_CDS=0 turns archives off entirely).
 */
export async function ensureCdsArchives(
  version: string,
  options: { log?: (line: string) => void } = {},
): Promise<void> {
  if (!cdsEnabled('broker')) return
  if (version !== brokerVersions.default && process.env.KAFKA_DOCTOR_CDS !== 'all') return
  const server = cdsArchivePath(version, 'server')
  const tool = cdsArchivePath(version, 'tool')
  if (existsSync(server) && existsSync(tool)) return
  const log = options.log ?? (() => {})
  await mkdir(dirname(server), { recursive: true })
  try {
    await withLock(`${dirname(server)}/.training.lock`, 180_000, async () => {
      if (existsSync(server) && existsSync(tool)) return
      const started = Date.now()
      log(`preparing class-data archives for Kafka ${version} (once)`)
      await train(version, { server, tool }, log)
      log(`class-data archives ready in ${Date.now() - started} ms`)
    })
  } catch (error) {
    log(`warning: no class-data archive for Kafka ${version} (${String(error)}); JVMs start the slow way`)
  }
}

async function train(
  version: string,
  archives: Record<CdsKind, string>,
  log: (line: string) => void,
): Promise<void> {
  const started = Date.now()
  const phase = (what: string) => log(`  cds training: ${what} after ${Date.now() - started} ms`)
  const pending = {
    server: `${archives.server}.${process.pid}.tmp`,
    tool: `${archives.tool}.${process.pid}.tmp`,
  }
  const state = await launchCluster({
    name: `cds-training-${process.pid}`,
    version,
    brokers: 1,
    ownerPid: process.pid,
    timeoutMs: 120_000,
    jvm: { noCds: true, extra: [`-XX:ArchiveClassesAtExit=${pending.server}`] },
  })
  phase('one-broker cluster up')
  try {
    await runKafkaTool('kafka-topics', ['--bootstrap-server', bootstrapOf(state), '--list'], {
      version,
      timeoutMs: 60_000,
      jvm: { noCds: true, extra: [`-XX:ArchiveClassesAtExit=${pending.tool}`, '-Xlog:cds*=off'] },
    })
    // The broker writes its archive while exiting after SIGTERM; the controller is killed later.
    phase('tool archive written')
    await stopBroker(state.name, 1, { timeoutMs: 60_000 })
    phase('broker stopped, server archive written')
  } finally {
    await stopCluster(state.name)
  }
  try {
    for (const kind of ['server', 'tool'] as const) {
      if (!existsSync(pending[kind])) throw new Error(`the training run wrote no ${kind} archive`)
    }
    await rename(pending.server, archives.server)
    await rename(pending.tool, archives.tool)
  } finally {
    await rm(pending.server, { force: true })
    await rm(pending.tool, { force: true })
  }
}

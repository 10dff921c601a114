/**
 * `npm run kafka:fetch [-- --version V]`: downloads Apache Kafka's jars into the cache.
 * With no --version it fetches every broker version in versions.ts (the default and the 4.x smoke),
 * and prepares the class-data archives of the default version (cds.ts).
 */
import { parseArgs } from 'node:util'
import { formatDuration } from '../../src/util/duration.js'
import { runMain } from '../lib/main.js'
import { ensureCdsArchives } from './cds.js'
import { ensureKafka } from './install.js'
import { brokerVersions, resolveBrokerVersion } from './versions.js'

runMain(async () => {
  const { values } = parseArgs({ options: { version: { type: 'string', multiple: true } }, strict: true })
  const versions = values.version?.map(resolveBrokerVersion) ?? [...new Set(Object.values(brokerVersions))]
  for (const version of versions) {
    const result = await ensureKafka(version, { log: (line) => process.stderr.write(`${line}\n`) })
    const how = result.fetched ? `fetched in ${formatDuration(result.durationMs)}` : 'already cached'
    process.stderr.write(`kafka ${version}: ${result.jars.length} jars ${how}\n`)
    // The class-data archives make every later broker and tool start cheaper (see cds.ts).
    await ensureCdsArchives(version, { log: (line) => process.stderr.write(`${line}\n`) })
    process.stdout.write(`${result.dir}\n`)
  }
})

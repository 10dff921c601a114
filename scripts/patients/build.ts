/**
 * `npm run patients:build [-- --client V]`: compiles the Java patients against every client version in
 * scripts/kafka/versions.ts (or only the ones given), fetching kafka-clients first. Idempotent.
 */
import { parseArgs } from 'node:util'
import { formatDuration } from '../../src/util/duration.js'
import { clientVersions } from '../kafka/versions.js'
import { runMain } from '../lib/main.js'
import { ensurePatients } from './install.js'

runMain(async () => {
  const { values } = parseArgs({ options: { client: { type: 'string', multiple: true } }, strict: true })
  const versions = values.client ?? [...new Set(Object.values(clientVersions))]
  for (const version of versions) {
    const started = Date.now()
    const build = await ensurePatients(version, { log: (line) => process.stderr.write(`${line}\n`) })
    const how = build.compiled ? `compiled in ${formatDuration(Date.now() - started)}` : 'up to date'
    process.stderr.write(`patients for kafka-clients ${build.clientVersion}: ${how}\n`)
  }
})

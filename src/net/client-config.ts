import { readFile } from 'node:fs/promises'
import { getProperties } from 'properties-file'
import { NotFoundError, UsageError } from '../errors.js'

/**
 * `--command-config FILE`: the Java client properties file Kafka's own tools take. kafka-doctor reads
 * it so that operators can pass the file they already have. Only PLAINTEXT is spoken today; a file
 * asking for TLS or SASL is refused with a clear message rather than silently connecting in clear
 * text (TLS and SASL land behind the transport seam in src/net/transport.ts).
 */

export interface ClientConfig {
  /** `security.protocol`, upper-cased; PLAINTEXT when the file does not set it. */
  securityProtocol: string
  /** `client.id`, when set. */
  clientId?: string
  /** Every property, for later use. Values of secret keys are replaced so that they never leak. */
  properties: Readonly<Record<string, string>>
}

const supportedProtocols = new Set(['PLAINTEXT'])
const secretKey = /password|secret|jaas|token|key$/i

/** Parses the text of a client properties file. */
export function parseClientConfig(text: string, source = 'command config'): ClientConfig {
  const raw = getProperties(text)
  const properties: Record<string, string> = {}
  for (const [key, value] of Object.entries(raw)) properties[key] = secretKey.test(key) ? '<hidden>' : value
  const securityProtocol = (raw['security.protocol'] ?? 'PLAINTEXT').trim().toUpperCase()
  if (!supportedProtocols.has(securityProtocol)) {
    throw new UsageError(`${source} asks for security.protocol=${securityProtocol}, not supported yet`, {
      hint: 'kafka-doctor speaks PLAINTEXT only for now; TLS and SASL are coming',
    })
  }
  const clientId = raw['client.id']?.trim()
  return { securityProtocol, ...(clientId ? { clientId } : {}), properties }
}

/** Reads and parses `--command-config FILE`. */
export async function readClientConfig(file: string): Promise<ClientConfig> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new NotFoundError(
      `cannot read --command-config ${file}: ${(error as NodeJS.ErrnoException).code}`,
      {
        hint: 'give the path of a Java client properties file',
      },
    )
  }
  return parseClientConfig(text, `--command-config ${file}`)
}

import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { NotFoundError, UsageError } from '../../src/errors.js'
import { parseClientConfig, readClientConfig } from '../../src/net/client-config.js'

describe('--command-config', () => {
  it('reads a Java properties file (comments, continuations, both separators), hiding secrets', () => {
    const config = parseClientConfig(
      [
        '# client settings',
        'client.id = doctor-\\',
        '    check',
        'request.timeout.ms:30000',
        'ssl.truststore.password=hunter2',
      ].join('\n'),
    )
    expect(config).toEqual({
      securityProtocol: 'PLAINTEXT',
      clientId: 'doctor-check',
      properties: {
        'client.id': 'doctor-check',
        'request.timeout.ms': '30000',
        'ssl.truststore.password': '<hidden>',
      },
    })
  })

  it('refuses TLS and SASL for now, saying so', () => {
    for (const protocol of ['SSL', 'SASL_SSL', 'sasl_plaintext']) {
      expect(() => parseClientConfig(`security.protocol=${protocol}\n`, 'client.properties')).toThrow(
        UsageError,
      )
      expect(() => parseClientConfig(`security.protocol=${protocol}\n`, 'client.properties')).toThrow(
        `client.properties asks for security.protocol=${protocol.toUpperCase()}, not supported yet`,
      )
    }
    expect(parseClientConfig('security.protocol=plaintext').securityProtocol).toBe('PLAINTEXT')
  })

  it('a missing file is NotFound', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-config-'))
    await expect(readClientConfig(join(dir, 'nope.properties'))).rejects.toThrow(NotFoundError)
    writeFileSync(join(dir, 'ok.properties'), 'client.id=x\n')
    await expect(readClientConfig(join(dir, 'ok.properties'))).resolves.toMatchObject({ clientId: 'x' })
  })
})

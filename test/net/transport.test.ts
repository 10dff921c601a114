/**
 * The transport when the other end is not a Kafka broker (bad input): an HTTP server answering a
 * request, or a peer sending a frame too short to hold a correlation id. The waiting request fails
 * at once with a ProtocolError naming the address — no hang until the request timeout.
 */
import { createServer, type Server } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { ProtocolError } from '../../src/errors.js'
import { Transport } from '../../src/net/transport.js'

let server: Server | undefined

afterEach(() => {
  server?.close()
  server = undefined
})

/** A local TCP server that answers anything it receives with `reply`. */
async function answering(reply: Buffer): Promise<number> {
  const s = createServer((socket) => {
    socket.on('error', () => {})
    socket.on('data', () => socket.write(reply))
  })
  server = s
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const address = s.address()
  if (!address || typeof address === 'string') throw new Error('no port')
  return address.port
}

async function requestTo(port: number): Promise<unknown> {
  const transport = await Transport.connect({
    host: '127.0.0.1',
    port,
    connectTimeoutMs: 2000,
    requestTimeoutMs: 10_000,
  })
  const frame = Buffer.alloc(12)
  frame.writeInt32BE(8, 0)
  frame.writeInt32BE(7, 8)
  const started = performance.now()
  const outcome = await transport.request(7, frame).catch((error: unknown) => error)
  expect(performance.now() - started).toBeLessThan(5000)
  await transport.close()
  return outcome
}

describe('a peer that is not a Kafka broker', () => {
  it('an HTTP answer: its first bytes read as an impossible frame size', async () => {
    const port = await answering(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'))
    const error = await requestTo(port)
    expect(error).toBeInstanceOf(ProtocolError)
    expect((error as Error).message).toBe(
      `127.0.0.1:${port} sent a frame of 1213486160 bytes: not Kafka protocol (or larger than allowed)`,
    )
  })

  it('a frame too short to hold a correlation id', async () => {
    const port = await answering(Buffer.from([0, 0, 0, 2, 0, 7]))
    const error = await requestTo(port)
    expect(error).toBeInstanceOf(ProtocolError)
    expect((error as Error).message).toBe(
      `127.0.0.1:${port} sent a frame of 2 bytes: too short for a Kafka response`,
    )
  })
})

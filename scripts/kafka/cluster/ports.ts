import { createServer, type Server } from 'node:net'

/**
 * `count` distinct free TCP ports on 127.0.0.1. All listeners are held open until every port is known,
 * so the same port is never handed out twice; they are released just before Kafka binds them. Another
 * process could grab one in between — then that broker fails to bind and the start reports its log.
 */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: Server[] = []
  try {
    const ports: number[] = []
    for (let index = 0; index < count; index += 1) {
      const server = createServer()
      servers.push(server)
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(0, host, () => resolve())
      })
      const address = server.address()
      if (address === null || typeof address === 'string') throw new Error('listener has no TCP address')
      ports.push(address.port)
    }
    return ports
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))))
  }
}

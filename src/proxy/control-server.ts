/**
 * The proxy's small HTTP control endpoint (JSON in and out):
 *
 *   GET    /rules            every rule with how often it applied
 *   POST   /rules            add a rule, a list of rules or {rules: [...]}; answers the rules as stored
 *   PUT    /rules            replace every rule added here (rules from the file stay)
 *   DELETE /rules            remove every rule
 *   DELETE /rules/ID         remove one rule
 *   GET    /counters         requests per broker/API/client, Fetch and ListOffsets per partition, rules
 *   POST   /counters/reset   start counting again
 *   GET    /listeners        broker id → the proxy's address and the broker's real one
 *   GET    /changes?limit=N  the most recent changes the proxy made (newest last)
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { BadInputError, isKafkaDoctorError } from '../errors.js'
import { toJson } from '../util/json.js'
import type { KafkaProxy } from './proxy.js'
import { parseRules } from './rules.js'

const maxBodyBytes = 1024 * 1024

export async function startControlServer(
  proxy: KafkaProxy,
  host: string,
  port: number,
): Promise<{ server: Server; host: string; port: number }> {
  const server = createServer((request, response) => {
    handle(proxy, request, response).catch((error: unknown) => {
      const status = isKafkaDoctorError(error) ? 400 : 500
      send(response, status, { error: error instanceof Error ? error.message : String(error) })
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  const bound = typeof address === 'object' && address ? address.port : port
  return { server, host, port: bound }
}

async function handle(proxy: KafkaProxy, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://control')
  const path = url.pathname.replace(/\/+$/, '') || '/'
  const method = request.method ?? 'GET'
  const rulesView = () => ({
    rules: proxy.rules
      .list()
      .map((state) => ({ ...state.rule, applied: state.applied, exhausted: state.exhausted })),
  })

  if (path === '/rules') {
    switch (method) {
      case 'GET':
        return send(response, 200, rulesView())
      case 'POST': {
        const added = proxy.addRules(parseRules(await readJson(request), 'the request'), 'control')
        return send(response, 201, { rules: added })
      }
      case 'PUT': {
        const replaced = proxy.replaceRules(parseRules(await readJson(request), 'the request'), 'control')
        return send(response, 200, { rules: replaced })
      }
      case 'DELETE':
        return send(response, 200, { removed: proxy.clearRules() })
    }
  }
  const one = /^\/rules\/([^/]+)$/.exec(path)
  if (one && method === 'DELETE') {
    const id = decodeURIComponent(one[1] ?? '')
    return proxy.removeRule(id)
      ? send(response, 200, { removed: id })
      : send(response, 404, { error: `no rule '${id}'` })
  }
  if (path === '/counters' && method === 'GET') return send(response, 200, proxy.counters.snapshot())
  if (path === '/counters/reset' && method === 'POST') {
    proxy.counters.reset()
    return send(response, 200, proxy.counters.snapshot())
  }
  if (path === '/listeners' && method === 'GET')
    return send(response, 200, { bootstrap: proxy.bootstrap, listeners: proxy.listeners() })
  if (path === '/changes' && method === 'GET') {
    const limit = Number(url.searchParams.get('limit') ?? '100')
    return send(response, 200, {
      total: proxy.changes.sequence,
      changes: proxy.changes.recent(Number.isInteger(limit) && limit > 0 ? limit : 100),
    })
  }
  send(response, 404, { error: `no such endpoint: ${method} ${path}` })
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request) {
    size += (chunk as Buffer).byteLength
    if (size > maxBodyBytes) throw new BadInputError('request body larger than 1 MiB')
    chunks.push(chunk as Buffer)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  try {
    return JSON.parse(text)
  } catch {
    throw new BadInputError('the request body is not JSON')
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = `${toJson(body)}\n`
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  })
  response.end(text)
}

import { describe, expect, it } from 'vitest'
import { ProtocolError } from '../../src/errors.js'
import type { FrameDecoder, ReadableRequest } from '../../src/pcap/kafka-frame.js'
import { runCapture } from '../support/kafka-capture-run.js'
import { fixtureBytes } from '../support/pcap-fixtures.js'

const produceKey = 0
const apiVersionsKey = 18

describe('pairing with a decoder plugged in (the shape the codec step uses)', () => {
  it('decodes each request with its own version and each response with its request’s', () => {
    const seen: string[] = []
    const decoder: FrameDecoder<string, string> = {
      decodeRequest(request) {
        seen.push(`req ${request.header.apiKey}v${request.header.apiVersion}`)
        return `body of ${request.header.correlationId}`
      },
      decodeResponse(response, request, requestBody, context) {
        expect(response.correlationId).toBe(request.header.correlationId)
        expect(requestBody).toBe(`body of ${request.header.correlationId}`)
        expect(context.connection).toBe(response.connection)
        return `answer ${request.header.apiKey}v${request.header.apiVersion}`
      },
    }
    const { exchanges, requests, summary } = runCapture(fixtureBytes('produceConsume'), {
      brokerPorts: [19092],
      decoder,
    })
    expect(seen).toEqual(requests.map((r) => `req ${r.header!.apiKey}v${r.header!.apiVersion}`))
    const paired = exchanges.filter((e) => e.status === 'paired')
    expect(paired.length).toBe(summary.pairing.paired)
    for (const e of paired) {
      const h = e.request!.header!
      expect(e.requestBody).toBe(`body of ${h.correlationId}`)
      expect(e.responseBody).toBe(`answer ${h.apiKey}v${h.apiVersion}`)
    }
  })

  it('requests that get no response (acks=0) are handed on at once as unanswered', () => {
    const decoder: FrameDecoder = {
      expectsResponse: (request: ReadableRequest) => request.header.apiKey !== produceKey,
    }
    const { exchanges, summary } = runCapture(fixtureBytes('produceConsume'), {
      brokerPorts: [19092],
      decoder,
    })
    const produce = exchanges.filter((e) => e.request?.header?.apiKey === produceKey)
    expect(produce.length).toBe(1)
    expect(produce[0]).toMatchObject({ status: 'unanswered', unansweredReason: 'no-response-expected' })
    // Its real response then has no request to pair with: counted and kept.
    expect(summary.pairing.unmatchedResponses).toBe(1)
    expect(exchanges.filter((e) => e.status === 'unmatched').length).toBe(1)
  })

  it('a typed decode error marks the exchange and reading goes on; anything else is a bug and propagates', () => {
    const typed: FrameDecoder = {
      decodeResponse(_response, request) {
        if (request.header.apiKey === apiVersionsKey)
          throw new ProtocolError('cannot decode ApiVersions here')
        return 'ok'
      },
    }
    const { exchanges, summary } = runCapture(fixtureBytes('produceConsume'), {
      brokerPorts: [19092],
      decoder: typed,
    })
    const failed = exchanges.filter((e) => e.decodeError)
    expect(failed.length).toBe(summary.pairing.byApiKey.get(apiVersionsKey)!.responses)
    expect(summary.pairing.decodeErrors).toBe(failed.length)
    expect(
      failed.every((e) => e.status === 'paired' && e.response && e.decodeError instanceof ProtocolError),
    ).toBe(true)
    const buggy: FrameDecoder = {
      decodeRequest() {
        throw new TypeError('bug')
      },
    }
    expect(() =>
      runCapture(fixtureBytes('produceConsume'), { brokerPorts: [19092], decoder: buggy }),
    ).toThrow(TypeError)
  })

  it('a learnt broker from the decoder context is followed from then on', () => {
    let learnt = 0
    const decoder: FrameDecoder = {
      decodeResponse(_response, request, _body, context) {
        // What the codec does with a Metadata answer: learn the brokers it names.
        if (request.header.apiKey === 3) learnt += context.learnBroker('127.0.0.1', 19094) ? 1 : 0
        return undefined
      },
    }
    const { session } = runCapture(fixtureBytes('produceConsume'), { brokerPorts: [19092], decoder })
    expect(learnt).toBeGreaterThan(0)
    expect(session.brokers.isBroker(0x7f000001, 19094)).toBe(true)
    expect(session.brokers.isBroker(0x7f000001, 19095)).toBe(false)
  })

  it('bounds the requests waiting on one connection', () => {
    const { summary, exchanges } = runCapture(fixtureBytes('produceConsume'), {
      brokerPorts: [19092],
      maxOutstandingRequests: 0,
    })
    expect(summary.pairing.paired).toBe(0)
    expect(exchanges.filter((e) => e.unansweredReason === 'limit').length).toBe(summary.pairing.requests)
    expect(summary.pairing.unmatchedResponses).toBe(summary.pairing.responses)
  })
})

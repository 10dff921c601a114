import { describe, expect, it } from 'vitest'
import { decodeTcpHeader, decodeTcpOptions, TcpFlag } from '../../src/pcap/tcp-header.js'
import { fixtureBytes, fixturePath } from '../support/pcap-fixtures.js'
import { readClassicPcapLE } from '../support/pcap-rewrite.js'
import { tsharkFields } from '../support/tshark.js'

describe('TCP header', () => {
  it('flags, sequence numbers and SYN options match tshark on the real capture', async () => {
    const frames = readClassicPcapLE(fixtureBytes('produceConsume')).packets.map((p) => p.data)
    const tshark = await tsharkFields(fixturePath('produceConsume'), [
      'tcp.flags',
      'tcp.seq_raw',
      'tcp.ack_raw',
      'tcp.window_size_value',
      'tcp.hdr_len',
      'tcp.options.mss_val',
      'tcp.options.wscale.shift',
      'tcp.options.timestamp.tsval',
    ])
    expect(tshark.length).toBe(frames.length)
    frames.forEach((frame, i) => {
      const header = decodeTcpHeader(frame, 34)!
      const [flags, seq, ack, window, headerLength, mss, wscale, tsval] = tshark[i]!
      expect(header.flags).toBe(Number(flags))
      expect(header.seq).toBe(Number(seq))
      expect(header.ack).toBe(Number(ack))
      expect(header.window).toBe(Number(window))
      expect(header.headerLength).toBe(Number(headerLength))
      const options = decodeTcpOptions(frame, 34 + 20, 34 + header.headerLength)
      expect(options.mss).toBe(mss ? Number(mss) : undefined)
      expect(options.windowScale).toBe(wscale ? Number(wscale) : undefined)
      expect(options.timestamp?.value).toBe(tsval ? Number(tsval) : undefined)
      if (header.flags & TcpFlag.SYN) expect(options.sackPermitted).toBe(true)
    })
  })

  it('rejects a data offset below 5 words and stops at malformed options', () => {
    const header = Buffer.alloc(24)
    header[12] = 0x40
    expect(decodeTcpHeader(header, 0)).toBeUndefined()
    expect(decodeTcpHeader(Buffer.alloc(19), 0)).toBeUndefined()
    const options = Buffer.from([1, 2, 4, 5, 0xb4, 3, 0, 7, 0])
    expect(decodeTcpOptions(options, 0, options.length)).toEqual({ mss: 1460 })
    const sack = Buffer.from([5, 10, 0, 0, 0, 1, 0, 0, 0, 9])
    expect(decodeTcpOptions(sack, 0, sack.length)).toEqual({ sack: [[1, 9]] })
  })
})

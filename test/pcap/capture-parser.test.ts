import { writeFileSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { BadInputError } from '../../src/errors.js'
import { LinkType } from '../../src/pcap/link-types.js'
import {
  epochToNs,
  type FixtureName,
  fixtureBytes,
  fixturePath,
  fixtures,
  parseCapture,
} from '../support/pcap-fixtures.js'
import { readClassicPcapLE, relink } from '../support/pcap-rewrite.js'
import { nsFromTicks, ticksFor, writePcap, writePcapng } from '../support/pcap-writer.js'
import { tsharkFields } from '../support/tshark.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-pcap-'))
})

function write(name: string, bytes: Buffer): string {
  const path = join(dir, name)
  writeFileSync(path, bytes)
  return path
}

/** tshark's view of every packet: time, captured and wire length. */
async function reference(path: string, filter?: string) {
  const rows = await tsharkFields(
    path,
    ['frame.time_epoch', 'frame.cap_len', 'frame.len'],
    filter ? { filter } : {},
  )
  return rows.map(([time = '', caplen = '', len = '']) => ({
    tsNs: epochToNs(time),
    caplen: Number(caplen),
    originalLength: Number(len),
  }))
}

function ours(bytes: Buffer, chunkSize?: number) {
  return parseCapture(bytes, chunkSize).packets.map((p) => ({
    tsNs: p.tsNs,
    caplen: p.data.length,
    originalLength: p.originalLength,
  }))
}

describe('real captures: every packet, timestamp and length as tshark reads them', () => {
  const names = Object.keys(fixtures) as FixtureName[]
  it.each(names)('%s', async (name) => {
    const expected = await reference(fixturePath(name))
    const parsed = parseCapture(fixtureBytes(name))
    expect(parsed.warnings.total).toBe(0)
    expect(parsed.packets.length).toBe(expected.length)
    expect(ours(fixtureBytes(name))).toEqual(expected)
  })

  it('reports the format, byte order and link type of each file', () => {
    const info = (name: FixtureName) => parseCapture(fixtureBytes(name)).parser.info
    expect(info('produceConsume')).toMatchObject({ format: 'pcap', bigEndian: false })
    expect([...info('produceConsume').linkTypes]).toEqual([LinkType.ETHERNET])
    expect(info('listTopicsNs').format).toBe('pcap-ns')
    expect([...info('anySll').linkTypes]).toEqual([LinkType.LINUX_SLL])
    expect([...info('anySll2').linkTypes]).toEqual([LinkType.LINUX_SLL2])
    expect(info('dumpcapPcapng')).toMatchObject({ format: 'pcapng', sections: 1 })
  })

  it('gives each packet the byte offset of its record in the file', () => {
    const bytes = fixtureBytes('produceConsume')
    const { packets } = parseCapture(bytes)
    let expectedOffset = 24
    for (const p of packets) {
      expect(p.fileOffset).toBe(expectedOffset)
      expect(bytes.subarray(p.fileOffset + 16, p.fileOffset + 16 + p.data.length)).toEqual(p.data)
      expectedOffset += 16 + p.data.length
    }
    expect(expectedOffset).toBe(bytes.length)
  })

  it('finds the same packets whatever the chunk sizes (records straddling chunks)', () => {
    for (const name of ['produceConsume', 'dumpcapPcapng'] as const) {
      const bytes = fixtureBytes(name)
      const whole = parseCapture(bytes, bytes.length).packets
      for (const chunk of [1, 3, 7, 16, 100, 4093]) {
        const split = parseCapture(bytes, chunk).packets
        expect(split.length).toBe(whole.length)
        expect(split.map((p) => [p.fileOffset, p.tsNs, p.data.toString('hex')])).toEqual(
          whole.map((p) => [p.fileOffset, p.tsNs, p.data.toString('hex')]),
        )
      }
    }
  })
})

describe('derived files (written from real packets, checked against tshark)', () => {
  const real = () => readClassicPcapLE(fixtureBytes('produceConsume'))
  const realNs = () => readClassicPcapLE(fixtureBytes('listTopicsNs'))

  it('big-endian µs and ns pcap', async () => {
    for (const [source, nanoseconds] of [
      [real(), false],
      [realNs(), true],
    ] as const) {
      const path = write(
        `be-${nanoseconds}.pcap`,
        writePcap(source.packets, { linkType: 1, bigEndian: true, nanoseconds }),
      )
      const parsed = parseCapture(fixtureBytes(nanoseconds ? 'listTopicsNs' : 'produceConsume'))
      const be = parseCapture(writePcap(source.packets, { linkType: 1, bigEndian: true, nanoseconds }))
      expect(be.parser.info).toMatchObject({ bigEndian: true, format: nanoseconds ? 'pcap-ns' : 'pcap' })
      expect(be.packets.map((p) => [p.tsNs, p.data.toString('hex')])).toEqual(
        parsed.packets.map((p) => [p.tsNs, p.data.toString('hex')]),
      )
      expect(ours(writePcap(source.packets, { linkType: 1, bigEndian: true, nanoseconds }))).toEqual(
        await reference(path),
      )
    }
  })

  it('masks the FCS/flag bits in the upper half of the pcap link-type word', () => {
    const { packets, parser } = parseCapture(
      writePcap(real().packets, { linkType: 1, linkTypeFlags: 0x03fc0000 }),
    )
    expect([...parser.info.linkTypes]).toEqual([LinkType.ETHERNET])
    expect(packets.length).toBe(real().packets.length)
  })

  it('pcapng with several sections of both byte orders, if_tsresol 10^-n and 2^-n, if_tsoffset, SPB, PB and skipped blocks', async () => {
    const packets = real().packets
    const third = Math.floor(packets.length / 3)
    const a = packets.slice(0, third)
    const b = packets.slice(third, 2 * third)
    const c = packets.slice(2 * third)
    const sections = [
      // LE, default µs resolution (no option), NRB/DSB/custom/ISB blocks around the packets.
      { interfaces: [{ linkType: 1, name: 'lo' }], packets: a, extraBlocks: true },
      // BE, 2^-20 s ticks, a time offset, two interfaces of different link types (Ethernet, raw IP).
      {
        bigEndian: true,
        interfaces: [
          { linkType: 1, tsresol: 0x80 | 20, tsoffset: 1_700_000_000n },
          { linkType: LinkType.RAW, tsresol: 3 },
        ],
        packets: b.map((p, i) =>
          i % 2 === 0
            ? { ...p, interfaceId: 0 }
            : { ...relink(p, 'raw'), interfaceId: 1, block: 'pb' as const },
        ),
      },
      // LE again, ns resolution, simple packet blocks (no timestamp) after one EPB.
      {
        interfaces: [{ linkType: 1, tsresol: 9, snaplen: 262144 }],
        packets: c.map((p, i) => (i === 0 ? p : { ...p, block: 'spb' as const })),
      },
    ]
    const bytes = writePcapng(sections)
    const path = write('sections.pcapng', bytes)
    const parsed = parseCapture(bytes)
    expect(parsed.warnings.total).toBe(0)
    expect(parsed.parser.info).toMatchObject({ format: 'pcapng', sections: 3, bigEndian: false })
    expect([...parsed.parser.info.linkTypes].sort()).toEqual([LinkType.ETHERNET, LinkType.RAW])
    expect(parsed.packets.length).toBe(packets.length)

    // Timestamps: exactly what the ticks in the file mean.
    const expectedTs = [
      ...a.map((p) => nsFromTicks(ticksFor(p.tsNs, undefined), undefined)),
      ...b.map((p, i) => {
        const resol = i % 2 === 0 ? 0x80 | 20 : 3
        const offset = i % 2 === 0 ? 1_700_000_000n * 1_000_000_000n : 0n
        return nsFromTicks(ticksFor(p.tsNs - offset, resol), resol) + offset
      }),
    ]
    // SPBs carry no time: they take the previous packet's.
    const firstC = nsFromTicks(ticksFor(c[0]!.tsNs, 9), 9)
    expectedTs.push(...c.map(() => firstC))
    expect(parsed.packets.map((p) => p.tsNs)).toEqual(expectedTs)
    expect(parsed.packets.map((p) => p.interfaceId)).toEqual([
      ...a.map(() => 0),
      ...b.map((_, i) => i % 2),
      ...c.map(() => 0),
    ])

    // tshark agrees on every packet (it shows the custom block as a record, hence the filter), and on
    // the timestamps of all but the SPBs, which it leaves without time.
    const tshark = await reference(path, 'tcp')
    const mine = ours(bytes)
    expect(mine.length).toBe(tshark.length)
    expect(mine.map((p) => [p.caplen, p.originalLength])).toEqual(
      tshark.map((p) => [p.caplen, p.originalLength]),
    )
    const timed = a.length + b.length + 1
    expect(mine.slice(0, timed).map((p) => p.tsNs)).toEqual(tshark.slice(0, timed).map((p) => p.tsNs))
  })
})

describe('truncated and corrupt files: the packets before the damage, a warning with its byte offset', () => {
  it('a file cut at any byte keeps every complete record and names the offset of the cut one', () => {
    for (const name of ['listTopicsNs', 'dumpcapPcapng'] as const) {
      const bytes = fixtureBytes(name)
      const full = parseCapture(bytes).packets
      // Record boundaries: pcap records follow each other; pcapng blocks too (offset = block start).
      for (let cut = 40; cut < bytes.length; cut += 1) {
        const { packets, warnings } = parseCapture(bytes.subarray(0, cut), 1000)
        const complete = full.filter((p) => p.fileOffset + 16 + p.data.length <= cut)
        if (name === 'listTopicsNs') {
          expect(packets.length).toBe(complete.length)
          const cutRecord = full[complete.length]
          if (cutRecord && cutRecord.fileOffset < cut) {
            expect(warnings.kept).toEqual([
              expect.objectContaining({ code: 'truncated-file', fileOffset: cutRecord.fileOffset }),
            ])
          } else expect(warnings.total).toBe(0)
        } else {
          // pcapng: the packets whose block ends before the cut (block length ≥ 28 + data + 4).
          expect(packets.length).toBeLessThanOrEqual(full.length)
          expect(packets.map((p) => p.fileOffset)).toEqual(
            full.slice(0, packets.length).map((p) => p.fileOffset),
          )
          const next = full[packets.length]
          if (next && next.fileOffset < cut) {
            expect(warnings.kept[0]).toMatchObject({ code: 'truncated-file', fileOffset: next.fileOffset })
          }
        }
      }
    }
  })

  it('a record with an impossible length is skipped; reading resumes at the next record', () => {
    const bytes = Buffer.from(fixtureBytes('produceConsume'))
    const full = parseCapture(bytes).packets
    const victim = full[10]!
    bytes.writeUInt32LE(0x7fff0000, victim.fileOffset + 8) // incl_len
    const { packets, warnings } = parseCapture(bytes, 4096)
    expect(packets.map((p) => p.fileOffset)).toEqual(
      full.filter((p) => p !== victim).map((p) => p.fileOffset),
    )
    expect(warnings.kept).toEqual([
      expect.objectContaining({ code: 'corrupt-record', fileOffset: victim.fileOffset }),
    ])
  })

  it('a pcapng block whose trailing length disagrees is skipped', () => {
    const bytes = Buffer.from(fixtureBytes('dumpcapPcapng'))
    const full = parseCapture(bytes).packets
    const victim = full[5]!
    const blockLength = bytes.readUInt32LE(victim.fileOffset + 4)
    bytes.writeUInt32LE(blockLength + 4, victim.fileOffset + 4)
    const { packets, warnings } = parseCapture(bytes, 512)
    expect(packets.map((p) => p.fileOffset)).toEqual(
      full.filter((p) => p !== victim).map((p) => p.fileOffset),
    )
    expect(warnings.kept[0]).toMatchObject({ code: 'corrupt-record', fileOffset: victim.fileOffset })
  })

  it('garbage to the end of the file after a corrupt record is reported as unrecoverable', () => {
    const bytes = Buffer.from(fixtureBytes('listTopicsNs'))
    const full = parseCapture(bytes).packets
    const victim = full[20]!
    bytes.fill(0xff, victim.fileOffset)
    const { packets, warnings } = parseCapture(bytes)
    expect(packets.length).toBe(20)
    expect(warnings.kept.map((w) => [w.code, w.fileOffset])).toEqual([['unrecoverable', victim.fileOffset]])
  })

  it('a file that is not a capture is a BadInputError (nothing to keep)', () => {
    expect(() => parseCapture(Buffer.from('this is not a capture file at all'))).toThrow(BadInputError)
    expect(() => parseCapture(Buffer.alloc(0))).toThrow(/empty/)
    expect(() => parseCapture(Buffer.from([0xd4, 0xc3]))).toThrow(BadInputError)
  })
})

import pc from 'picocolors'
import { describe, expect, it } from 'vitest'
import { markdownToTerminal } from '../../src/report/markdown-text.js'

const remedy = [
  '**In a test environment** recreate the topic:',
  '',
  '```',
  'kafka-topics --bootstrap-server b:9092 --delete --topic t',
  '```',
  '',
  '1. `kafka-metadata-quorum describe --status` — one **quorum** leader.',
].join('\n')

describe('remedy markdown in a terminal', () => {
  it('without colour: bold marks dropped, inline code keeps its backticks, fences become indented code', () => {
    expect(markdownToTerminal(remedy, pc.createColors(false), false)).toEqual([
      'In a test environment recreate the topic:',
      '',
      '  kafka-topics --bootstrap-server b:9092 --delete --topic t',
      '',
      '1. `kafka-metadata-quorum describe --status` — one quorum leader.',
    ])
  })

  it('with colour: bold is bold, code is cyan, and no markdown marks are left', () => {
    const c = pc.createColors(true)
    const lines = markdownToTerminal(remedy, c, true)
    expect(lines[0]).toBe(`${c.bold('In a test environment')} recreate the topic:`)
    expect(lines[2]).toBe(`  ${c.cyan('kafka-topics --bootstrap-server b:9092 --delete --topic t')}`)
    expect(lines[4]).toBe(
      `1. ${c.cyan('kafka-metadata-quorum describe --status')} — one ${c.bold('quorum')} leader.`,
    )
    expect(lines.join('\n')).not.toMatch(/\*\*|`/)
  })
})

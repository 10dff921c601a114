import { describe, expect, it } from 'vitest'
import { foldedText, frameName, StackFolder } from '../../../src/analyse/threads/fold.js'
import { hotMethods } from '../../../src/analyse/threads/hot-methods.js'
import { parseThreadDump } from '../../../src/collect/threads/thread-dump.js'
import { readFixture } from '../../support/fixtures.js'

describe('StackFolder', () => {
  it('folds dumped stacks root first under the thread name, merging equal stacks and weights', () => {
    const dump = parseThreadDump(readFixture('thread-dumps', 'jdk17-jcmd-a.txt'))
    const spinner = dump.threads.find((t) => t.name === 'busy-spinner')!
    const folder = new StackFolder()
    folder.addDumped(spinner.name, spinner.frames, 1500.4)
    folder.addDumped(spinner.name, spinner.frames, 499.6)
    folder.addDumped('sleeper', [], 0) // zero weight: an idle thread weighs nothing
    expect(folder.size).toBe(1)
    expect(foldedText(folder.stacks())).toBe(
      'busy-spinner;java.lang.Thread.run;ThreadPatient$$Lambda$1.run;ThreadPatient.spin 2000\n',
    )
  })

  it('drops lambda hidden-class addresses and characters the format cannot hold', () => {
    expect(frameName('ThreadPatient$$Lambda$14/0x0000000800c0b000.run')).toBe('ThreadPatient$$Lambda$14.run')
    expect(frameName('java.lang.VirtualThread$$Lambda/0x000000080001d480.run')).toBe(
      'java.lang.VirtualThread$$Lambda.run',
    )
    expect(frameName('odd;name\nx')).toBe('odd:name:x')
  })
})

describe('hotMethods', () => {
  it('counts self at the leaf and total once per stack (recursion)', () => {
    const rows = hotMethods([
      { frames: ['t', 'a', 'b', 'a'], weight: 6 },
      { frames: ['t', 'a', 'c'], weight: 4 },
    ])
    expect(rows).toEqual([
      { method: 'a', self: 6, selfPercent: 60, total: 10, totalPercent: 100, kafka: false },
      { method: 'c', self: 4, selfPercent: 40, total: 4, totalPercent: 40, kafka: false },
      { method: 'b', self: 0, selfPercent: 0, total: 6, totalPercent: 60, kafka: false },
    ])
  })
})

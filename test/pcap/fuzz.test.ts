import { describe, expect, it } from 'vitest'
import { runPcapFuzz } from '../../scripts/fuzz/pcap.js'

/**
 * The bounded CI run of the capture-pipeline fuzzer (`npm run fuzz:pcap -- --iterations 1000000` is the
 * long run). Mutated real captures must never raise anything but the project's typed errors, never
 * hang (a watchdog kills the worker after 10 s without progress), stay under 512 MB, and take under
 * 5 s per input.
 */
describe('pcap pipeline fuzzing', () => {
  it('20 seconds of mutated real captures: no crash, hang or memory growth', async () => {
    const seed = Number(process.env.KAFKA_DOCTOR_FUZZ_SEED ?? Date.now() % 100_000)
    const result = await runPcapFuzz({ seconds: 20, seed })
    expect(result.problem, `seed ${seed}`).toBeUndefined()
    expect(result.ok).toBe(true)
    expect(result.iterations).toBeGreaterThan(1000)
    // The mutations reach every layer: frames are still found in most inputs.
    expect(result.frames).toBeGreaterThan(result.iterations)
  }, 60_000)
})

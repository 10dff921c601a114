import { describe, expect, it } from 'vitest'
import { ErrorCode, errorInfo, errorName, kafkaErrors } from '../../../src/protocol/generated/errors.js'

describe('Kafka error-code table (generated from the Errors enum of kafka-clients)', () => {
  it('names the codes a spinning consumer meets, with retriable and metadata-refresh flags', () => {
    expect(errorName(0)).toBe('NONE')
    expect(errorName(6)).toBe('NOT_LEADER_OR_FOLLOWER')
    expect(errorInfo(6)).toMatchObject({
      retriable: true,
      invalidMetadata: true,
      exception: 'NotLeaderOrFollowerException',
    })
    expect(errorInfo(74)).toMatchObject({
      name: 'FENCED_LEADER_EPOCH',
      retriable: true,
      invalidMetadata: true,
    })
    expect(errorInfo(1)).toMatchObject({ name: 'OFFSET_OUT_OF_RANGE', retriable: false })
    expect(errorInfo(-1)?.name).toBe('UNKNOWN_SERVER_ERROR')
    expect(ErrorCode.UNSUPPORTED_VERSION).toBe(35)
    expect(ErrorCode.COORDINATOR_NOT_AVAILABLE).toBe(15)
  })

  it('covers every code from -1 up without gaps and answers unknown codes without throwing', () => {
    const codes = kafkaErrors.map((e) => e.code)
    expect(codes.length).toBeGreaterThan(120)
    expect(codes).toEqual(Array.from({ length: codes.length }, (_, i) => i - 1))
    expect(errorInfo(31337)).toBeUndefined()
    expect(errorName(31337)).toBe('UNKNOWN_ERROR_CODE_31337')
  })
})

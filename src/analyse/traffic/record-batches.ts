/**
 * Record counts from record data without decoding records: only the batch headers are read (the
 * length to step to the next batch, the record count of magic-2 batches; a legacy message is one
 * record, or a wrapper whose count is unknown without decompression — counted as one). A partial
 * batch at the end (Fetch answers are cut at their byte limit) is not counted.
 */
export function countRecords(records: Uint8Array | null): number {
  if (records === null || records.byteLength < 17) return 0
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength)
  let count = 0
  let at = 0
  while (at + 17 <= records.byteLength) {
    const length = view.getInt32(at + 8)
    if (length <= 0 || at + 12 + length > records.byteLength) break
    const magic = view.getInt8(at + 16)
    if (magic === 2) {
      if (length < 49) break
      count += view.getInt32(at + 57)
    } else count++
    at += 12 + length
  }
  return count
}

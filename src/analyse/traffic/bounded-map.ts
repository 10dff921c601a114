/**
 * A Map with a ceiling on its size, so that per-key aggregates (per client, partition, group …) stay
 * bounded however large or hostile the capture is. Past the ceiling new keys are not added; how many
 * were refused is counted and reported, so a truncated table is never mistaken for a complete one.
 */
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>()
  /** Values refused because the map was full. */
  dropped = 0

  constructor(readonly limit: number) {}

  /** The value for `key`, created by `create` when missing; undefined when the map is full. */
  obtain(key: K, create: () => V): V | undefined {
    const existing = this.map.get(key)
    if (existing !== undefined) return existing
    if (this.map.size >= this.limit) {
      this.dropped++
      return undefined
    }
    const value = create()
    this.map.set(key, value)
    return value
  }

  get(key: K): V | undefined {
    return this.map.get(key)
  }

  delete(key: K): void {
    this.map.delete(key)
  }

  get size(): number {
    return this.map.size
  }

  values(): IterableIterator<V> {
    return this.map.values()
  }

  entries(): IterableIterator<[K, V]> {
    return this.map.entries()
  }
}

const zeroUuid = 'AAAAAAAAAAAAAAAAAAAAAA'

/**
 * Topic id ↔ name, learnt from the Metadata answers the proxy sees (its own discovery and every
 * client's), because Fetch v13+, Produce v13+ and OffsetCommit v10+ name topics by id only.
 */
export class TopicNames {
  readonly #byId = new Map<string, string>()
  readonly #byName = new Map<string, string>()

  learn(name: string | null, topicId: string): void {
    if (!name || topicId === zeroUuid) return
    this.#byId.set(topicId, name)
    this.#byName.set(name, topicId)
  }

  nameOf(topic: { topic?: string; name?: string; topicId?: string }): string | undefined {
    const name = topic.topic ?? topic.name
    if (name) return name
    return topic.topicId === undefined ? undefined : this.#byId.get(topic.topicId)
  }

  idOf(name: string): string | undefined {
    return this.#byName.get(name)
  }
}

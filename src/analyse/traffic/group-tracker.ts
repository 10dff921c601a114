/** Consumer groups as JoinGroup, SyncGroup, Heartbeat and LeaveGroup show them: counts, generations, errors. */
import type { DecodedBody } from '../../pcap/kafka-decoder.js'
import { ApiKey } from '../../protocol/generated/apis.js'
import { errorName } from '../../protocol/generated/errors.js'
import type { JoinGroupResponse } from '../../protocol/generated/messages/join-group.js'
import { BoundedMap } from './bounded-map.js'
import { round3 } from './report-values.js'
import type { GroupReport } from './traffic-report.js'

interface GroupStats {
  group: string
  joinGroups: number
  syncGroups: number
  heartbeats: number
  leaveGroups: number
  generations: Set<number>
  errors: Map<number, number>
  members: Set<string>
  firstT: number
  lastT: number
}

export class GroupTracker {
  private readonly groups: BoundedMap<string, GroupStats>

  constructor(limit: number) {
    this.groups = new BoundedMap(limit)
  }

  get dropped(): number {
    return this.groups.dropped
  }

  add(
    apiKey: number,
    requestBody: DecodedBody | undefined,
    responseBody: DecodedBody | undefined,
    t: number,
  ): void {
    const request = requestBody as { groupId?: string; generationId?: number; memberId?: string } | undefined
    if (!request?.groupId) return
    const group = this.groups.obtain(request.groupId, () => ({
      group: request.groupId!,
      joinGroups: 0,
      syncGroups: 0,
      heartbeats: 0,
      leaveGroups: 0,
      generations: new Set(),
      errors: new Map(),
      members: new Set(),
      firstT: t,
      lastT: t,
    }))
    if (!group) return
    group.lastT = t
    if (apiKey === ApiKey.JoinGroup) group.joinGroups++
    else if (apiKey === ApiKey.SyncGroup) group.syncGroups++
    else if (apiKey === ApiKey.Heartbeat) group.heartbeats++
    else group.leaveGroups++
    if (request.memberId && group.members.size < 1000) group.members.add(request.memberId)
    const addGeneration = (g: number | undefined) => {
      if (g !== undefined && g >= 0 && group.generations.size < 256) group.generations.add(g)
    }
    // A JoinGroup request carries no generation; its answer says which one the member joined.
    if (apiKey !== ApiKey.JoinGroup) addGeneration(request.generationId)
    const response = responseBody as { errorCode?: number } | undefined
    if (response?.errorCode)
      group.errors.set(response.errorCode, (group.errors.get(response.errorCode) ?? 0) + 1)
    if (apiKey === ApiKey.JoinGroup && response && response.errorCode === 0)
      addGeneration((responseBody as unknown as JoinGroupResponse).generationId)
  }

  report(): GroupReport[] {
    return [...this.groups.values()].map((g) => ({
      group: g.group,
      joinGroups: g.joinGroups,
      syncGroups: g.syncGroups,
      heartbeats: g.heartbeats,
      leaveGroups: g.leaveGroups,
      generations: [...g.generations].sort((a, b) => a - b),
      errors: Object.fromEntries([...g.errors].map(([c, n]) => [errorName(c), n])),
      members: g.members.size,
      firstT: round3(g.firstT),
      lastT: round3(g.lastT),
    }))
  }
}

import { fetchSettingsRule, oldClientRule } from './client-rules.js'
import type { Evidence } from './evidence.js'
import { coordinatorErrorsRule, offsetResetLoopRule, rebalanceStormRule } from './group-rules.js'
import { leaderOfflineRule } from './leader-offline.js'
import { metadataDivergenceRule } from './metadata-divergence.js'
import { negativeLagRule } from './negative-lag.js'
import { notKafkaRule } from './not-kafka.js'
import { notLeaderLoopRule } from './not-leader-loop.js'
import { pollSpinRule } from './poll-spin.js'
import { replicationRule } from './replication.js'
import type { Rule, RuleFinding } from './rule-types.js'

/** Every rule of the diagnosis, in the order reports list rules that agree. */
export const rules: readonly Rule[] = [
  pollSpinRule,
  notLeaderLoopRule,
  metadataDivergenceRule,
  negativeLagRule,
  replicationRule,
  rebalanceStormRule,
  notKafkaRule,
  oldClientRule,
  fetchSettingsRule,
  offsetResetLoopRule,
  coordinatorErrorsRule,
  leaderOfflineRule,
] as readonly Rule[]

/** Runs every rule over the evidence. Pure; a rule that throws is a bug and propagates. */
export function runRules(evidence: Evidence): RuleFinding[] {
  return rules.flatMap((rule) => rule.evaluate(evidence))
}

import type { Evidence } from './evidence.js'
import { notKafkaRule } from './not-kafka.js'
import type { Rule, RuleFinding } from './rule-types.js'

/** Every rule of the diagnosis, in the order reports list rules that agree. */
export const rules: readonly Rule[] = [notKafkaRule] as readonly Rule[]

/** Runs every rule over the evidence. Pure; a rule that throws is a bug and propagates. */
export function runRules(evidence: Evidence): RuleFinding[] {
  return rules.flatMap((rule) => rule.evaluate(evidence))
}

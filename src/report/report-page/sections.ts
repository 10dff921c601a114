import type { ChainStep } from '../../analyse/diagnosis.js'
import type { EvidenceRef, Finding, FindingSubject } from '../../analyse/finding.js'
import type { RuleFinding } from '../../analyse/rules/rule-types.js'
import { sourceNames } from '../../collect/bundle/manifest.js'
import { jsonReplacer } from '../../util/json.js'
import type { ReportJson, ReportSource } from '../report-json.js'
import { escapeHtml as e } from './html.js'
import { renderMarkdown } from './markdown.js'

/**
 * The report page's text, rendered in Node: everything a person reads (verdict, root cause, chain,
 * remedies, findings, tables) is plain HTML, so the page reads without JavaScript, in print and in a
 * narrow window; the script only draws the charts and the flame graph into the empty containers
 * left here. Every string from the evidence goes through `escapeHtml` (or the markdown renderer).
 */

const exitWords = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const

/** The class that colours the verdict: the severity of an issue, else ok / unknown. */
export function verdictClass(report: ReportJson): string {
  if (report.verdict === 'issue') return report.severity
  return report.verdict === 'ok' ? 'ok' : 'unknown'
}

function subjectText(subject: FindingSubject): string {
  const parts: string[] = []
  if (subject.topic !== undefined)
    parts.push(subject.partition !== undefined ? `${subject.topic}-${subject.partition}` : subject.topic)
  else if (subject.partition !== undefined) parts.push(`partition ${subject.partition}`)
  if (subject.broker !== undefined) parts.push(`broker ${subject.broker}`)
  if (subject.group !== undefined) parts.push(`group ${subject.group}`)
  if (subject.client !== undefined) parts.push(`client ${subject.client}`)
  if (subject.thread !== undefined) parts.push(`thread ${subject.thread}`)
  return parts.join(', ')
}

function fact(name: string, value: string): string {
  return `<span>${e(name)} <b>${e(value)}</b></span>`
}

export function verdictSection(report: ReportJson): string {
  const rc = report.rootCause
  const cls = verdictClass(report)
  const b = report.bundle
  const facts = [
    fact('exit', `${report.exitCode} ${exitWords[report.exitCode] ?? ''}`),
    fact('root cause', rc.kind),
    ...(rc.verdict === 'issue' ? [fact('confidence', String(rc.confidence))] : []),
  ]
  if (rc.subject.topic !== undefined) facts.push(fact('topic', rc.subject.topic))
  if (rc.subject.partition !== undefined) facts.push(fact('partition', String(rc.subject.partition)))
  if (rc.subject.broker !== undefined) facts.push(fact('broker', String(rc.subject.broker)))
  if (rc.subject.group !== undefined) facts.push(fact('group', rc.subject.group))
  if (rc.subject.client !== undefined) facts.push(fact('client', rc.subject.client))
  if (rc.subject.thread !== undefined) facts.push(fact('thread', rc.subject.thread))
  const target = [
    ...(b.target.bootstrap ? [fact('cluster', b.target.bootstrap)] : []),
    ...(b.target.groups.length > 0 ? [fact('groups', b.target.groups.join(', '))] : []),
    ...(b.target.topics.length > 0 ? [fact('topics', b.target.topics.join(', '))] : []),
    ...(b.target.pid !== null ? [fact('pid', String(b.target.pid))] : []),
    fact('host', b.host.hostname),
    fact('from', b.timeRange.start),
    fact('to', b.timeRange.end),
  ]
  return `<header class="verdict ${e(cls)}" id="verdict">
<div><span class="badge ${e(cls)}" id="verdict-badge">${e(exitWords[report.exitCode] ?? String(report.exitCode))}</span> <span class="muted">kafka-doctor diagnosis</span></div>
<h1 id="root-cause-title">${e(rc.title)}</h1>
<p class="summary" id="root-cause-summary">${e(rc.summary)}</p>
<div class="facts">${facts.join('')}</div>
<div class="facts">${target.join('')}</div>
</header>`
}

export function tocNav(sections: readonly (readonly [string, string])[]): string {
  return `<nav class="toc" aria-label="sections">${sections.map(([id, title]) => `<a href="#${e(id)}">${e(title)}</a>`).join('')}</nav>`
}

function observedText(observed: unknown): string {
  const text = JSON.stringify(observed, jsonReplacer(), 1) ?? String(observed)
  return text.length > 4000 ? `${text.slice(0, 4000)}\n…` : text
}

export function evidenceList(refs: readonly EvidenceRef[]): string {
  if (refs.length === 0) return ''
  const items = refs.map((ref) => {
    const where = `${ref.source}${ref.at ? `#${ref.at}` : ''}`
    const observed =
      ref.observed === undefined
        ? ''
        : ` <details><summary>observed</summary><pre>${e(observedText(ref.observed))}</pre></details>`
    return `<li><code>${e(where)}</code>${observed}</li>`
  })
  return `<ul class="refs">${items.join('')}</ul>`
}

function chainItem(step: ChainStep): string {
  return `<li class="step ${e(step.status)}" data-rule="${e(step.rule)}">
<span class="status ${e(step.status)}">${e(step.status.replace('-', ' '))}</span>
<div><div class="label">${e(step.label)}</div><div class="text">${e(step.text)}</div>${evidenceList(step.evidence)}</div>
</li>`
}

export function chainSection(report: ReportJson): string {
  const chain = report.rootCause.chain
  if (chain.length === 0) return ''
  return `<section id="chain"><h2>Evidence chain</h2>
<p class="note">Each link of the root cause, as the evidence showed it: <b>seen</b>, <b>not seen</b> (looked, absent) or <b>no data</b> (could not look). References point into the evidence bundle (file#JSON pointer).</p>
<ol class="chain">${chain.map(chainItem).join('\n')}</ol>
</section>`
}

export function remediesSection(report: ReportJson): string {
  const remedies = report.rootCause.remedies
  if (remedies.length === 0) return ''
  const blocks = remedies.map(
    (r) =>
      `<div class="remedy"><h3>${e(r.title)}</h3><div class="md">${renderMarkdown(r.markdown)}</div></div>`,
  )
  return `<section id="remedies"><h2>Remedies</h2>${blocks.join('\n')}</section>`
}

function sourceNote(report: ReportJson, name: keyof ReportJson['sources'], what: string): string {
  const s = report.sources[name]
  const why = s.reason ? `: ${s.reason}` : ''
  return `<p class="note">No ${e(what)}: the ${e(name)} source was ${e(s.status)}${e(why)}.</p>`
}

export function lagSection(report: ReportJson): string {
  const lag = report.series.lag
  if (lag.length === 0)
    return `<section id="lag"><h2>Lag over time</h2>${sourceNote(report, 'lag', 'lag samples')}</section>`
  const claims = lag.flatMap((s) =>
    s.claimedLeaders.map((c) => ({ ...c, group: s.group, topic: s.topic, partition: s.partition })),
  )
  const table =
    claims.length === 0
      ? ''
      : `<h3>High watermark as each claimed leader reports it</h3>
<p class="note">Where brokers disagree about a partition's leader, kafka-doctor asked every broker that some view names as leader for its high watermark. The lag it gives is the lag a tool whose metadata comes from that broker shows: negative when that broker's high watermark is stale. In the chart these are the large hollow markers.</p>
<div class="table-wrap"><table id="claimed-leaders"><thead><tr><th>time (UTC)</th><th>group</th><th>partition</th><th class="num">broker</th><th class="num">leader epoch</th><th class="num">high watermark</th><th class="num">lag</th></tr></thead><tbody>
${claims
  .map(
    (c) =>
      `<tr><td>${e(new Date(c.t).toISOString())}</td><td class="wrap">${e(c.group)}</td><td class="wrap">${e(`${c.topic}-${c.partition}`)}</td><td class="num">${c.broker}</td><td class="num">${c.leaderEpoch}</td><td class="num">${e(String(c.highWatermark))}</td><td class="num">${e(String(c.lag ?? '?'))}</td></tr>`,
  )
  .join('\n')}
</tbody></table></div>`
  return `<section id="lag"><h2>Lag over time</h2>
<p class="note">Lag = high watermark − committed offset, per partition, never clamped: below the dashed zero line the group has committed beyond the high watermark it was told.</p>
<noscript><p class="note">The charts and the flame graph are drawn by the page's script.</p></noscript>
<div id="lag-charts" class="charts"></div>
${table}
</section>`
}

export function trafficSection(report: ReportJson): string {
  const traffic = report.series.traffic
  const body =
    traffic && traffic.points.length > 0
      ? `<p class="note">From the packet capture, in ${traffic.bucketMs / 1000} s buckets.</p><div id="traffic-charts" class="charts"></div>`
      : sourceNote(report, 'capture', 'capture analysis')
  return `<section id="traffic"><h2>Requests and errors over time</h2>${body}</section>`
}

export function cpuSection(report: ReportJson): string {
  const body =
    report.series.cpu.length > 0
      ? '<div id="cpu-charts" class="charts"></div>'
      : sourceNote(report, 'threads', 'CPU samples')
  return `<section id="cpu"><h2>CPU over time</h2>${body}</section>`
}

const pct = (value: number | undefined) => (value === undefined ? '' : `${value.toFixed(1)}%`)

export function threadsSection(report: ReportJson): string {
  if (report.hotThreads.length === 0)
    return `<section id="threads"><h2>Hot threads</h2>${sourceNote(report, 'threads', 'thread samples')}</section>`
  const rows = report.hotThreads.map((t, i) => {
    const frames =
      t.frames.length === 0
        ? ''
        : `<details><summary>${e(t.frames[0] ?? '')}</summary><ol class="frames mono">${t.frames.map((f) => `<li>${e(f)}</li>`).join('')}</ol></details>`
    return `<tr class="${t.kafka ? 'kafka' : ''}" data-kind="${e(t.kind)}"><td class="num">${i + 1}</td><td class="wrap">${e(t.name)}</td><td class="num">${t.tid ?? ''}</td><td class="mono">${e(t.nidHex ?? '')}</td><td class="num">${pct(t.cpuPercent)}</td><td class="num">${pct(t.maxCpuPercent)}</td><td class="num">${pct(t.runQueuePercent)}</td><td>${e(t.state ?? '')}</td><td class="kind">${e(t.label)}</td><td class="wrap">${e(t.reason)}${frames}</td></tr>`
  })
  return `<section id="threads"><h2>Hot threads</h2>
<p class="note">Per-thread CPU as <code>top -H</code> shows it (% of one core, mean over the rounds; run queue = time spent waiting for a CPU), joined by nid to the thread dumps. Kafka client threads in teal.</p>
<div class="table-wrap"><table id="hot-threads"><thead><tr><th class="num">#</th><th>thread</th><th class="num">tid</th><th>nid</th><th class="num">CPU</th><th class="num">max</th><th class="num">run queue</th><th>state</th><th>what it does</th><th>why, and its stack</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table></div>
</section>`
}

export function profileSection(report: ReportJson): string {
  const p = report.profile
  if (!p || p.stacks.length === 0)
    return `<section id="profile"><h2>Flame graph</h2>${sourceNote(report, 'profile', 'profile')}</section>`
  const unit = p.weightUnit === 'cpu-us' ? 'CPU ms' : 'samples'
  const fmt = (v: number) => (p.weightUnit === 'cpu-us' ? (v / 1000).toFixed(1) : String(v))
  const methods = p.hotMethods
    .slice(0, 20)
    .map(
      (m) =>
        `<tr class="${m.kafka ? 'kafka' : ''}"><td class="num">${fmt(m.self)}</td><td class="num">${m.selfPercent.toFixed(1)}%</td><td class="num">${fmt(m.total)}</td><td class="num">${m.totalPercent.toFixed(1)}%</td><td class="mono wrap kind">${e(m.method)}</td></tr>`,
    )
  const omitted =
    p.omitted.stacks > 0
      ? ` The ${p.omitted.stacks} lightest stacks (${fmt(p.omitted.weight)} ${unit}) are left out of the report.`
      : ''
  return `<section id="profile"><h2>Flame graph</h2>
<p class="note">${p.weightUnit === 'cpu-us' ? 'Each stack weighted by the CPU its thread used' : 'Samples'}${p.durationMs !== undefined ? ` over ${(p.durationMs / 1000).toFixed(1)} s` : ''}; total ${fmt(p.totalWeight)} ${unit}.${omitted} Click a frame to zoom.</p>
<div class="bar">
<input id="flame-search" type="search" placeholder="search frames (substring)" aria-label="search frames">
<button id="flame-kafka" type="button">Kafka frames</button>
<button id="flame-reset" type="button">Reset zoom</button>
<span class="legend"><span style="background:rgb(0,150,136)"></span>Kafka client<span style="background:rgb(181,190,200)"></span>JDK/JVM<span style="background:rgb(230,120,40)"></span>other</span>
</div>
<div id="flame-details"></div>
<div id="flame"></div>
<h3>Hot methods</h3>
<div class="table-wrap"><table id="hot-methods"><thead><tr><th class="num">self ${unit}</th><th class="num">self</th><th class="num">total ${unit}</th><th class="num">total</th><th>method</th></tr></thead><tbody>
${methods.join('\n')}
</tbody></table></div>
</section>`
}

function findingBadge(f: Finding): string {
  if (f.verdict === 'issue') return `<span class="badge ${e(f.severity)}">${e(f.severity)}</span>`
  return `<span class="badge ${f.verdict === 'ok' ? 'ok' : 'unknown'}">${f.verdict === 'ok' ? 'ok' : 'no data'}</span>`
}

function findingDetails(f: RuleFinding, rank: number, rootRules: ReadonlySet<string>): string {
  const subject = subjectText(f.subject)
  const remedy = f.remedy ? `<h4>Remedy</h4><div class="md">${renderMarkdown(f.remedy)}</div>` : ''
  const basedOn = f.basedOn.length > 0 ? `<p class="note">based on ${e(f.basedOn.join(', '))}</p>` : ''
  const evidence = f.evidence.length > 0 ? `<h4>Evidence</h4>${evidenceList(f.evidence)}` : ''
  const open = f.verdict === 'issue' ? ' open' : ''
  const root = rootRules.has(f.id) && f.verdict === 'issue' ? ' data-root-cause="true"' : ''
  return `<details class="finding ${e(f.verdict)}"${open}${root} data-id="${e(f.id)}" data-rank="${rank}">
<summary><span class="num">${rank}.</span> ${findingBadge(f)}<span class="id">${e(f.id)}</span><span class="conf">confidence ${f.confidence}</span><br>${e(f.summary)}</summary>
${subject ? `<p>about: ${e(subject)}</p>` : ''}${evidence}${remedy}${basedOn}
</details>`
}

export function findingsSection(report: ReportJson): string {
  const rootRules = new Set<string>(report.rootCause.rules)
  const findings = report.findings.map((f, i) => findingDetails(f, i + 1, rootRules))
  const sourceRows = report.sourceFindings.map(
    (f) =>
      `<tr><td class="mono">${e(f.id)}</td><td>${findingBadge(f)}</td><td class="wrap">${e(f.summary)}</td></tr>`,
  )
  const sourceFindings =
    sourceRows.length === 0
      ? ''
      : `<details class="finding"><summary>The sources' own analyses: ${sourceRows.length} findings (cluster, lag, traffic), which the rules above wrap</summary>
<div class="table-wrap"><table id="source-findings"><thead><tr><th>id</th><th>verdict</th><th>summary</th></tr></thead><tbody>
${sourceRows.join('\n')}
</tbody></table></div></details>`
  return `<section id="findings"><h2>Findings, ranked</h2>
<p class="note">The root cause's findings first, then issues by severity and confidence, then what was looked at and found fine, then what could not be checked.</p>
${findings.join('\n')}
${sourceFindings}
</section>`
}

function sourceRow(name: string, s: ReportSource): string {
  const notes = [...(s.reason ? [s.reason] : []), ...s.warnings]
  return `<tr class="${e(s.status)}" data-source="${e(name)}"><td>${e(name)}</td><td class="state">${e(s.status)}${s.usable ? '' : ' (not usable)'}</td><td class="wrap">${e(s.method)}</td><td class="wrap mono">${s.files.map((f) => e(f)).join('<br>')}</td><td class="wrap">${notes.map((n) => e(n)).join('<br>')}</td></tr>`
}

export function sourcesSection(report: ReportJson): string {
  const rows = sourceNames.map((name) => sourceRow(name, report.sources[name]))
  const notChecked =
    report.notChecked.length === 0
      ? ''
      : `<h3>Not checked (insufficient data)</h3><ul>${report.notChecked.map((n) => `<li>${e(n)}</li>`).join('')}</ul>`
  const warnings =
    report.warnings.length === 0
      ? ''
      : `<h3>Warnings</h3><ul>${report.warnings.map((w) => `<li>${e(w)}</li>`).join('')}</ul>`
  return `<section id="sources"><h2>Evidence collected</h2>
<p class="note">What each source collected, how, and what failed and why. Command: <code>${e(report.bundle.command.join(' '))}</code></p>
<div class="table-wrap"><table id="sources-table"><thead><tr><th>source</th><th>status</th><th>how</th><th>files</th><th>notes</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table></div>
${notChecked}${warnings}
</section>`
}

// The flame graphs' Kafka colouring, shared by the profile page (browser-entry.js) and the report
// page (../report-page/browser-entry.js): Kafka client frames teal so that they stand out from the
// warm default palette, JDK and JVM frames grey-blue, thread names (depth 1) grey, search hits magenta.
export const kafkaColour = 'rgb(0,150,136)'
export const jdkColour = 'rgb(181,190,200)'
export const threadColour = 'rgb(120,120,120)'
export const highlightColour = '#E600E6'

/** d3-flame-graph's colour mapper: (node, the colour it would use) → colour. */
export function frameColour(node, original) {
  if (node.highlight) return highlightColour
  const name = node.data.name || ''
  if (node.depth === 1) return threadColour
  if (name.startsWith('org.apache.kafka.')) return kafkaColour
  if (/^(java|javax|jdk|sun|com\.sun)\./.test(name)) return jdkColour
  return original
}

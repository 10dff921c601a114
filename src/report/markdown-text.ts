import type { Colors } from 'picocolors/types.js'

/**
 * A remedy's markdown as terminal text. The remedies are written for the HTML report, and only a
 * few constructs occur in them: `**bold**`, inline `code`, ``` fences, lists. Bold becomes bold (or
 * plain), inline code keeps its backticks without colour (they tell a command from prose) and turns
 * cyan with it, fenced blocks lose their fences and are indented so they can be copied as they are.
 */
export function markdownToTerminal(markdown: string, c: Colors, color: boolean): string[] {
  const out: string[] = []
  let inFence = false
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) {
      inFence = !inFence
      continue
    }
    if (inFence) {
      out.push(`  ${c.cyan(line)}`)
      continue
    }
    out.push(
      line
        .replace(/\*\*([^*]+)\*\*/g, (_m, text: string) => c.bold(text))
        .replace(/`([^`]+)`/g, (m, code: string) => (color ? c.cyan(code) : m)),
    )
  }
  return out
}

import MarkdownIt from 'markdown-it'

/**
 * Remedies are markdown (src/analyse/rules/remedies/*.md) filled with names from the evidence — a
 * topic, a group, a client id — which anyone who can create a topic controls. They are rendered with
 * markdown-it with raw HTML off (every `<` in the text is written as `&lt;`), no autolinking, and
 * markdown-it's link check (no `javascript:`, `vbscript:`, `file:` or non-image `data:` URLs); the
 * page's Content-Security-Policy stops scripts and requests whatever the markdown held.
 */
const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false, breaks: false })

// Links in a remedy open outside the report and tell the target nothing about it.
markdown.renderer.rules.link_open = (tokens, index, options, _env, self) => {
  tokens[index]?.attrSet('rel', 'noopener noreferrer')
  return self.renderToken(tokens, index, options)
}

export function renderMarkdown(text: string): string {
  return markdown.render(text)
}

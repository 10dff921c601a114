import { createHash } from 'node:crypto'
import { jsonReplacer } from '../../util/json.js'

/** Text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)
}

/**
 * JSON safe inside `<script type="application/json">`: `<`, `>` and `&` written as \u escapes so that
 * no `</script>` or `<!--` in a string can end or change the element, and U+2028/U+2029 escaped for
 * older parsers. It stays the same JSON (`JSON.parse` gives back the same value).
 */
export function embedJson(value: unknown): string {
  return JSON.stringify(value, jsonReplacer())
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

/** The CSP source expression that allows exactly this inline script. */
export function scriptHashSource(script: string): string {
  return `'sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}'`
}

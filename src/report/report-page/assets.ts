import { readFileSync } from 'node:fs'

/**
 * The report page's script and stylesheet, bundled by scripts/bundle-report-page.mjs (`npm run
 * build`) into dist/report/report-page/. Read from dist/ whether this module runs from dist/
 * (installed) or from src/ (tests through tsx): both sit three levels below the package root.
 * Missing assets (a checkout that was never built) give `undefined`: the page is then written without
 * its charts, saying why, rather than not at all.
 */
export interface ReportPageAssets {
  script: string
  css: string
}

let cached: ReportPageAssets | null | undefined

export function reportPageAssets(): ReportPageAssets | undefined {
  if (cached === undefined) {
    const dir = new URL('../../../dist/report/report-page/', import.meta.url)
    try {
      cached = {
        script: readFileSync(new URL('page.bundle.js', dir), 'utf8'),
        css: readFileSync(new URL('page.css', dir), 'utf8'),
      }
    } catch {
      cached = null
    }
  }
  return cached ?? undefined
}

// Copies the rules' remedy texts (src/analyse/rules/remedies/*.md) into dist, where
// src/analyse/rules/remedy.ts reads them at run time. Run by `npm run build`.
import { cpSync, mkdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const from = join(root, 'src', 'analyse', 'rules', 'remedies')
const to = join(root, 'dist', 'analyse', 'rules', 'remedies')
mkdirSync(to, { recursive: true })
cpSync(from, to, { recursive: true, filter: (path) => statSync(path).isDirectory() || path.endsWith('.md') })

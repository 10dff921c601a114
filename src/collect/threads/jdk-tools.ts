import { accessSync, constants } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'
import type { JvmTarget } from './jvm-target.js'

/**
 * Where `jcmd` and `jstack` are. The target's own JDK comes first: a tool from another JDK release can
 * fail to attach (an 8 jstack against a 17 JVM, a JRE that has no jcmd), and the JVM's sibling `bin/`
 * is the one that surely speaks its attach protocol. Then `$JAVA_HOME/bin`, then `$PATH`.
 * jcmd is preferred over jstack (it is the supported tool since JDK 9; jstack is kept for JDK 8 JREs
 * where only it exists).
 */
export type DumpToolKind = 'jcmd' | 'jstack'

export interface DumpTool {
  kind: DumpToolKind
  path: string
  /** Where it was found: the target's own JDK, JAVA_HOME or PATH. */
  origin: 'target' | 'JAVA_HOME' | 'PATH'
}

export interface FindToolsOptions {
  env?: NodeJS.ProcessEnv
}

export function findDumpTools(
  target: Pick<JvmTarget, 'exe' | 'otherMountNamespace'> | undefined,
  options: FindToolsOptions = {},
): DumpTool[] {
  const env = options.env ?? process.env
  const dirs: Array<{ dir: string; origin: DumpTool['origin'] }> = []
  // A binary inside a container's file system may not even run here (musl vs glibc): only use the
  // target's own JDK when it shares our mount namespace.
  if (target?.exe && !target.otherMountNamespace) {
    const bin = dirname(target.exe)
    dirs.push({ dir: bin, origin: 'target' })
    // JDK 8 layout: <jdk>/jre/bin/java next to <jdk>/bin/jstack.
    if (bin.endsWith('/jre/bin')) dirs.push({ dir: join(bin, '..', '..', 'bin'), origin: 'target' })
  }
  if (env.JAVA_HOME) dirs.push({ dir: join(env.JAVA_HOME, 'bin'), origin: 'JAVA_HOME' })
  for (const dir of (env.PATH ?? '').split(delimiter)) if (dir) dirs.push({ dir, origin: 'PATH' })

  const tools: DumpTool[] = []
  const seen = new Set<string>()
  for (const kind of ['jcmd', 'jstack'] as const) {
    for (const { dir, origin } of dirs) {
      const path = join(dir, kind)
      if (seen.has(path) || !isExecutable(path)) continue
      seen.add(path)
      tools.push({ kind, path, origin })
    }
  }
  // Keep the target's own tools first whatever their kind, then the rest in jcmd-before-jstack order.
  return [...tools.filter((t) => t.origin === 'target'), ...tools.filter((t) => t.origin !== 'target')]
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

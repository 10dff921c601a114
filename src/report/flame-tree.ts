import type { FoldedStack } from '../analyse/threads/fold.js'

/**
 * Folded stacks → the nested tree d3-flame-graph draws (value = the node's own weight plus its
 * children's). Pure and free of Node imports: the profile page builds it in Node, the report page's
 * script (bundled by esbuild) builds it in the browser from report.json's stacks.
 */
export interface FlameNode {
  name: string
  value: number
  children: FlameNode[]
}

export function flameTree(stacks: readonly FoldedStack[]): FlameNode {
  const root: FlameNode = { name: 'all', value: 0, children: [] }
  const index = new Map<FlameNode, Map<string, FlameNode>>()
  for (const stack of stacks) {
    root.value += stack.weight
    let node = root
    for (const frame of stack.frames) {
      let children = index.get(node)
      if (!children) {
        children = new Map()
        index.set(node, children)
      }
      let child = children.get(frame)
      if (!child) {
        child = { name: frame, value: 0, children: [] }
        children.set(frame, child)
        node.children.push(child)
      }
      child.value += stack.weight
      node = child
    }
  }
  return root
}

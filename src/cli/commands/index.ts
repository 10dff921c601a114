import type { Command } from 'commander'
import { clusterCommand } from './cluster.js'
import { lagCommand } from './lag.js'
import { profileCommand } from './profile.js'
import { proxyCommand } from './proxy.js'
import { threadsCommand } from './threads.js'

/** A CLI command: registers itself (flags, help, action) on the program and returns its Command. */
export interface CommandModule {
  register(program: Command): Command
}

/** Every command, in the order `--help` lists them. */
export const commandModules: readonly CommandModule[] = [
  threadsCommand,
  profileCommand,
  lagCommand,
  clusterCommand,
  proxyCommand,
]

import type { Command } from 'commander';

/** Commands over Herald's data (setup, users, tokens, channels, posts, queue): filled in below. */
export function registerDataCommands(_program: Command): void {}

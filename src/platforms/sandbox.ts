/** Placeholder until the sandbox adapter lands: see src/sandbox/. */
import type { PlatformAdapter } from './types.ts';

export const sandboxAdapter = { id: 'sandbox', displayName: 'Sandbox' } as unknown as PlatformAdapter;

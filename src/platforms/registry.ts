/** The platforms Herald can publish to, by id. */
import { AppError } from '../errors.ts';
import type { PlatformAdapter } from './types.ts';

export type Platforms = {
  get(id: string): PlatformAdapter;
  has(id: string): boolean;
  list(): PlatformAdapter[];
};

export function createPlatforms(adapters: PlatformAdapter[]): Platforms {
  const byId = new Map(adapters.map((a) => [a.id, a]));
  return {
    get(id) {
      const adapter = byId.get(id);
      if (!adapter) throw new AppError('not_found', `unknown platform: ${id}`);
      return adapter;
    },
    has: (id) => byId.has(id),
    list: () => [...byId.values()],
  };
}

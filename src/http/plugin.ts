import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

/** A feature's routes: a Fastify plugin built from `deps`. */
export type Routes = FastifyPluginAsyncZod;

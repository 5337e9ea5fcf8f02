/**
 * Builds the HTTP app without listening, so tests call `app.inject()` and `herald start` calls
 * `listen`. Routes are thin: parse (Zod), call a use-case, shape the reply.
 */
import { accountRoutes, workspaceAccountRoutes } from '../features/account/account.routes.ts';
import { instanceRoutes } from '../features/instance/instance.routes.ts';
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Deps } from '../deps.ts';
import { analyticsRoutes } from '../features/analytics/analytics.routes.ts';
import { authRoutes } from '../features/auth/auth.routes.ts';
import { backupRoutes } from '../features/backups/backups.routes.ts';
import { channelRoutes, oauthCallbackRoutes } from '../features/channels/channels.routes.ts';
import { healthRoutes } from '../features/health/health.routes.ts';
import { jobRoutes } from '../features/jobs/jobs.routes.ts';
import { mediaRoutes } from '../features/media/media.routes.ts';
import { memberRoutes } from '../features/members/members.routes.ts';
import { installMetrics } from '../features/metrics/metrics.routes.ts';
import {
  instancePlatformAppRoutes,
  workspacePlatformAppRoutes,
} from '../features/platform-apps/platform-apps.routes.ts';
import { postRoutes } from '../features/posts/posts.routes.ts';
import { pipelineRoutes } from '../features/pipeline/pipeline.routes.ts';
import { sourceRoutes } from '../features/sources/sources.routes.ts';
import { statsRoutes } from '../features/stats/stats.routes.ts';
import { tokenRoutes } from '../features/tokens/tokens.routes.ts';
import { sandboxRoutes } from '../sandbox/sandbox.routes.ts';
import { installAuth, installWorkspaceGuard } from './auth.ts';
import { clientErrorReply, frameworkErrorReply, installErrorHandler } from './error-handler.ts';
import { publicMediaRoutes } from './public-media.ts';
import { operationIdFor } from './operation-id.ts';
import { installUnsafeInputGuard } from './reject-unsafe-input.ts';
import { version } from './version.ts';
import { webAppRoutes } from './web-app.ts';

export type App = FastifyInstance;

export async function buildApp(deps: Deps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log.child({ component: 'http' }) as FastifyBaseLogger,
    // A hop count is accepted at run time (fastify passes it to proxy-addr) but missing from the types.
    trustProxy: deps.config.trustProxy as boolean,
    bodyLimit: 1024 * 1024,
    // Replies Fastify and Node's HTTP parser would make in their own shape, in Herald's.
    frameworkErrors: frameworkErrorReply,
    clientErrorHandler: clientErrorReply,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  installUnsafeInputGuard(app);

  await app.register(cookie);
  await app.register(multipart, { limits: { fileSize: deps.config.maxUploadBytes, files: 1 } });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Herald API', version, description: 'Schedule once, publish everywhere, exactly once.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: 'herald_session' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
      servers: [{ url: deps.config.publicUrl, description: 'This Herald (PUBLIC_URL)' }],
    },
    // Every operation gets an operationId: the route's own, else one derived from its method and path.
    transform: (input) => {
      const { schema, url } = jsonSchemaTransform(input);
      const operationId =
        (schema as { operationId?: string }).operationId ??
        operationIdFor([input.route.method].flat().find((m) => m !== 'HEAD') ?? 'GET', input.url);
      return { schema: { ...schema, operationId } as typeof schema, url };
    },
    transformObject: jsonSchemaTransformObject,
    hideUntagged: false,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  installAuth(app, deps);
  installMetrics(app, deps);
  await app.register(healthRoutes(deps));
  await app.register(authRoutes(deps));
  await app.register(tokenRoutes(deps));
  await app.register(oauthCallbackRoutes(deps));
  await app.register(instancePlatformAppRoutes(deps));
  await app.register(backupRoutes(deps));
  await app.register(accountRoutes(deps));
  await app.register(instanceRoutes(deps));
  await app.register(
    async (workspace) => {
      installWorkspaceGuard(workspace, deps);
      await workspace.register(memberRoutes(deps));
      await workspace.register(workspaceAccountRoutes(deps));
      await workspace.register(channelRoutes(deps));
      await workspace.register(mediaRoutes(deps));
      await workspace.register(postRoutes(deps));
      await workspace.register(jobRoutes(deps));
      await workspace.register(statsRoutes(deps));
      await workspace.register(analyticsRoutes(deps));
      await workspace.register(workspacePlatformAppRoutes(deps));
      await workspace.register(sourceRoutes(deps));
      await workspace.register(pipelineRoutes(deps));
    },
    { prefix: '/api/workspaces/:workspaceId' },
  );
  await app.register(sandboxRoutes(deps), { prefix: '/sandbox' });
  await app.register(publicMediaRoutes(deps));
  await app.register(webAppRoutes(deps));
  return app;
}

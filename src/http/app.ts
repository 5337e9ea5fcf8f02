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
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Deps } from '../deps.ts';
import { authRoutes } from '../features/auth/auth.routes.ts';
import { channelRoutes, oauthCallbackRoutes } from '../features/channels/channels.routes.ts';
import { healthRoutes } from '../features/health/health.routes.ts';
import { jobRoutes } from '../features/jobs/jobs.routes.ts';
import { mediaRoutes } from '../features/media/media.routes.ts';
import { memberRoutes } from '../features/members/members.routes.ts';
import {
  instancePlatformAppRoutes,
  workspacePlatformAppRoutes,
} from '../features/platform-apps/platform-apps.routes.ts';
import { postRoutes } from '../features/posts/posts.routes.ts';
import { statsRoutes } from '../features/stats/stats.routes.ts';
import { tokenRoutes } from '../features/tokens/tokens.routes.ts';
import { sandboxRoutes } from '../sandbox/sandbox.routes.ts';
import { installAuth, installWorkspaceGuard } from './auth.ts';
import { installErrorHandler } from './error-handler.ts';
import { publicMediaRoutes } from './public-media.ts';
import { installNulGuard } from './reject-nul.ts';
import { version } from './version.ts';
import { webAppRoutes } from './web-app.ts';

export type App = FastifyInstance;

export async function buildApp(deps: Deps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log.child({ component: 'http' }) as FastifyBaseLogger,
    // A hop count is accepted at run time (fastify passes it to proxy-addr) but missing from the types.
    trustProxy: deps.config.trustProxy as boolean,
    bodyLimit: 1024 * 1024,
    // Fastify answers a malformed URL itself; keep Herald's one error shape there too.
    frameworkErrors: (error, _request, reply) => {
      void (reply as FastifyReply)
        .status(400)
        .send({ error: { code: 'bad_request', message: error.message, details: null } });
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  installNulGuard(app);

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
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
    hideUntagged: false,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  installAuth(app, deps);
  await app.register(healthRoutes(deps));
  await app.register(authRoutes(deps));
  await app.register(tokenRoutes(deps));
  await app.register(oauthCallbackRoutes(deps));
  await app.register(instancePlatformAppRoutes(deps));
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
      await workspace.register(workspacePlatformAppRoutes(deps));
    },
    { prefix: '/api/workspaces/:workspaceId' },
  );
  await app.register(sandboxRoutes(deps), { prefix: '/sandbox' });
  await app.register(publicMediaRoutes(deps));
  await app.register(webAppRoutes(deps));
  return app;
}

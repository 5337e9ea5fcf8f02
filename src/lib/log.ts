/**
 * Structured logging with pino. Anything that looks like a credential is redacted by key name, so a
 * token that slips into a log object still never reaches the output; request URLs are logged with
 * their credential-bearing query parameters (an OAuth callback's `code` and `state`) censored, and
 * errors without the raw bytes Node's HTTP parser attaches (headers, cookies and CSRF token included).
 */
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type Log = Logger;

export const redactedKeys = [
  'password',
  'passwordHash',
  'token',
  'accessToken',
  'refreshToken',
  'access_token',
  'refresh_token',
  'clientSecret',
  'client_secret',
  'secret',
  'authorization',
  'cookie',
  'code_verifier',
  'codeVerifier',
  'csrfToken',
];

/** Headers redacted wherever a request's headers are logged (names with a hyphen need brackets). */
const redactedHeaders = ['authorization', 'cookie', 'set-cookie', 'x-csrf-token', 'idempotency-key'];

/**
 * Query parameters that carry a credential or a one-time secret: an authorization code and the state
 * that binds it to a session (OAuth 2.0 callback), tokens, a PKCE verifier, OAuth 1.0a's pair.
 */
export const redactedQueryParameters = new Set([
  'code',
  'state',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'client_secret',
  'code_verifier',
  'oauth_token',
  'oauth_verifier',
  'password',
]);

const CENSOR = '[redacted]';

/** `url` with the values of `redactedQueryParameters` replaced, everything else as it was. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replaceAll('+', ' '));
      } catch {
        // A malformed name is logged as it came.
      }
      return eq >= 0 && redactedQueryParameters.has(name.toLowerCase()) ? `${rawName}=${CENSOR}` : pair;
    });
  return `${url.slice(0, q)}?${query.join('&')}`;
}

type LoggedRequest = {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
};

/** Fastify's own request serializer, with the URL's secrets censored. */
function requestSerializer(req: LoggedRequest) {
  return {
    method: req.method,
    url: req.url === undefined ? undefined : redactUrl(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

/** pino's error serializer, without `rawPacket`: the request bytes Node attaches to a client error. */
function errorSerializer(error: Error) {
  const serialized = pino.stdSerializers.err(error) as Record<string, unknown>;
  delete serialized.rawPacket;
  return serialized;
}

/** `pretty`: coloured lines for people; `json`: one object a line for machines; `auto`: pretty on a terminal. */
export type LogFormat = 'auto' | 'pretty' | 'json';

type Destination = pino.DestinationStream & { isTTY?: boolean };

export function createLog(options: {
  level: string;
  format?: LogFormat;
  /** Where lines go; stdout by default. */
  destination?: Destination;
}): Log {
  const paths = [
    ...redactedKeys.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
    ...redactedHeaders.flatMap((h) => [`req.headers["${h}"]`, `headers["${h}"]`, `*.headers["${h}"]`]),
  ];
  const destination: Destination = options.destination ?? process.stdout;
  const format = options.format ?? 'json';
  const isTerminal = destination.isTTY === true;
  return pino(
    {
      level: options.level,
      redact: { paths, censor: CENSOR },
      serializers: { req: requestSerializer, err: errorSerializer },
      base: { pid: process.pid },
    },
    format === 'pretty' || (format === 'auto' && isTerminal)
      ? // Synchronous, in this thread: a crash still prints its last lines.
        pretty({
          colorize: isTerminal,
          sync: true,
          destination,
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname',
        })
      : destination,
  );
}

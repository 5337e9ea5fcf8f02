/**
 * Structured logging with pino. Anything that looks like a credential is redacted by key name, so a
 * token that slips into a log object still never reaches the output.
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
];

/** `pretty`: coloured lines for people; `json`: one object a line for machines; `auto`: pretty on a terminal. */
export type LogFormat = 'auto' | 'pretty' | 'json';

type Destination = pino.DestinationStream & { isTTY?: boolean };

export function createLog(options: {
  level: string;
  format?: LogFormat;
  /** Where lines go; stdout by default. */
  destination?: Destination;
}): Log {
  const paths = redactedKeys.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `req.headers.${k}`]);
  const destination: Destination = options.destination ?? process.stdout;
  const format = options.format ?? 'json';
  const isTerminal = destination.isTTY === true;
  return pino(
    {
      level: options.level,
      redact: { paths, censor: '[redacted]' },
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

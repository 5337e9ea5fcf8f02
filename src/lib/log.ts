/**
 * Structured logging with pino. Anything that looks like a credential is redacted by key name, so a
 * token that slips into a log object still never reaches the output.
 */
import pino, { type Logger } from 'pino';

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

export function createLog(options: { level: string; destination?: pino.DestinationStream }): Log {
  const paths = redactedKeys.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `req.headers.${k}`]);
  return pino(
    {
      level: options.level,
      redact: { paths, censor: '[redacted]' },
      base: { pid: process.pid },
    },
    options.destination,
  );
}

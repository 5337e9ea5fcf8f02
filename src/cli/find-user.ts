import type { Deps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { emailInput } from '../features/auth/auth.schemas.ts';
import { findUserByEmail, type PublicUser } from '../features/auth/create-user.ts';
import { parseInput } from './parse-input.ts';

/** The user an `--as`/`--user` flag names by email, or `not_found`. */
export async function requireUserByEmail(
  deps: Deps,
  options: { email: string; flag: string },
): Promise<PublicUser> {
  const email = parseInput(emailInput, options.email, { '': options.flag });
  const user = await findUserByEmail(deps.db, email);
  if (!user) throw notFound(`user ${email}`);
  return user;
}

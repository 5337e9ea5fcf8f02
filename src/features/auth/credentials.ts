/** The rules for emails and passwords, shared by the HTTP schemas and the use-cases (CLI path). */
import { invalidField } from '../../errors.ts';

/** Long enough to resist guessing; the upper bound caps the argon2 work one request can cause. */
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;

/** Emails are compared in lower case (the `users_email_lower_idx` index is on `lower(email)`). */
export const normaliseEmail = (email: string) => email.trim().toLowerCase();

/** Throws `invalid` naming `password` when a new password breaks the length rules. */
export function checkNewPassword(password: string): void {
  if (password.length < PASSWORD_MIN) {
    throw invalidField('password', `must be at least ${PASSWORD_MIN} characters`);
  }
  if (password.length > PASSWORD_MAX) {
    throw invalidField('password', `must be at most ${PASSWORD_MAX} characters`);
  }
}

/** Normalises an email, throwing `invalid` naming `email` when it cannot be one. */
export function parseEmail(email: string): string {
  const normalised = normaliseEmail(email);
  if (!/^[^\s@]+@[^\s@]+$/.test(normalised) || normalised.length > 254) {
    throw invalidField('email', 'must be an email address');
  }
  return normalised;
}

import { PlatformError, type ValidationIssue } from '../types.ts';

/**
 * Refuses a publish request the adapter's own `validate` found issues with, before anything reaches
 * the platform: one `invalid` error naming every issue (`text: too long; media: …`).
 */
export function rejectInvalid(issues: ValidationIssue[]): void {
  if (issues.length === 0) return;
  throw new PlatformError({
    kind: 'invalid',
    message: issues.map((i) => `${i.field}: ${i.message}`).join('; '),
  });
}

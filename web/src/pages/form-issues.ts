import { ApiError } from '../api/client';

/**
 * The API's message for one field of a rejected request (`details.issues[].path` such as
 * `body.email`), to show next to that field.
 */
export function issueFor(error: unknown, field: string): string | null {
  if (!(error instanceof ApiError)) return null;
  const issue = error.fieldIssues.find((i) => i.path === field || i.path === `body.${field}`);
  return issue?.message ?? null;
}

// What `runbook sandbox` prints for the shell (review 23a R23a-17, R23a-4): `export NAME='value'` lines, so that pasting
// them (or `source .sandbox/env`) reaches the CLI and the aws CLI. Bare `NAME=value` lines pasted into a shell make shell
// variables no child process sees: the CLI would then fall back to the default AWS profile, possibly a real account.

/** The variables the sandbox's shell needs, in the order printed. AWS_DEFAULT_REGION: the aws CLI v1 reads no AWS_REGION. */
export const SANDBOX_EXPORTED = [
  'AWS_ENDPOINT_URL',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'RUNBOOK_ENVIRONMENT',
  'RUNBOOK_ACCOUNT_ID',
] as const;

/** A POSIX shell single-quoted word: every character literal, a quote written as '\''. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The export lines for a sandbox session's environment. AWS_DEFAULT_REGION is the session's AWS_REGION when the session
 * sets none of its own. A variable the session does not set is refused rather than exported empty: an empty
 * AWS_ENDPOINT_URL would send the CLI to AWS itself.
 */
export function sandboxExportLines(env: Readonly<Record<string, string | undefined>>): string[] {
  const values: Record<string, string | undefined> = { ...env, AWS_DEFAULT_REGION: env.AWS_DEFAULT_REGION ?? env.AWS_REGION };
  return SANDBOX_EXPORTED.map((name) => {
    const value = values[name];
    if (value === undefined || value === '') throw new Error(`the sandbox session set no ${name}: nothing to export`);
    return `export ${name}=${shellQuote(value)}`;
  });
}

/** A failure the CLI reports as `error: <message>` on stderr with exit code 1 (no stack trace). */
export class CliError extends Error {
  override name = 'CliError';
}

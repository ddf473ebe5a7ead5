// The two ways configuration can be wrong, as classes callers can tell apart:
// a file that does not load (ConfigError) and a call whose arguments do not fit the API (ParameterError).

/** A configuration or API definition file that cannot be used. `problems` has one line per problem. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly file: string;
  readonly problems: string[];

  constructor(file: string, problems: string[], what = 'file') {
    const body = problems.length === 1 ? ` ${problems[0]}` : `\n${problems.map((p) => `  ${p}`).join('\n')}`;
    super(`Invalid ${what} ${file}:${body}`);
    this.file = file;
    this.problems = problems;
  }
}

/** A command call whose verb, channel or parameters do not match the instrument's API. */
export class ParameterError extends Error {
  override name = 'ParameterError';
  readonly instrument: string;
  readonly verb: string;
  readonly parameter?: string;

  constructor(instrument: string, verb: string, message: string, parameter?: string) {
    super(message);
    this.instrument = instrument;
    this.verb = verb;
    if (parameter !== undefined) this.parameter = parameter;
  }
}

/** A command template that cannot be rendered because a placeholder has no value. */
export class TemplateError extends Error {
  override name = 'TemplateError';
  readonly placeholder: string;

  constructor(message: string, placeholder: string) {
    super(message);
    this.placeholder = placeholder;
  }
}

/**
 * A value as it appears inside an error message: JSON-quoted and cut at `limit` characters, so a
 * file or string that is not what was expected (a whole /etc/passwd) is not echoed in full.
 */
export function quoteValue(value: unknown, limit = 60): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value); // a bigint, or a structure JSON cannot hold
  }
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

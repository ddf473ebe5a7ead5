// Checks a command's params against its JSON Schema and says what is wrong in one sentence that
// names the parameter, e.g. `job_status: parameter "job_id" must be a string`.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

export class ParamsValidator {
  private readonly ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
  private readonly validators = new Map<string, ValidateFunction>();

  /** Sets (or replaces) the schema of a command's params. */
  set(command: string, schema: object): void {
    this.validators.set(command, this.ajv.compile(schema));
  }

  has(command: string): boolean {
    return this.validators.has(command);
  }

  /** `undefined` when the params are fine (or the command has no schema), else the problem. */
  check(command: string, params: Record<string, unknown>): string | undefined {
    const validate = this.validators.get(command);
    if (!validate || validate(params)) return undefined;
    return `${command}: ${describe(validate.errors ?? [])}`;
  }
}

function describe(errors: ErrorObject[]): string {
  // "one of these is required" (anyOf of required) reads better as a single sentence.
  const anyOf = errors.find((e) => e.keyword === 'anyOf');
  if (anyOf) {
    const alternatives = errors
      .filter((e) => e.keyword === 'required' && e.schemaPath.startsWith(`${anyOf.schemaPath}/`))
      .map((e) => `"${(e.params as { missingProperty: string }).missingProperty}"`);
    if (alternatives.length > 0 && alternatives.length === errors.length - 1) return `needs parameter ${alternatives.join(' or ')}`;
  }
  const first = errors.find((e) => e.keyword !== 'anyOf') ?? errors[0];
  if (!first) return 'invalid params';
  const name = paramName(first.instancePath);
  switch (first.keyword) {
    case 'required':
      return `missing required parameter "${paramName(`${first.instancePath}/${(first.params as { missingProperty: string }).missingProperty}`)}"`;
    case 'type':
      return name ? `parameter "${name}" must be ${article((first.params as { type: string }).type)}` : `params must be a JSON object`;
    case 'enum':
      return `parameter "${name}" must be one of ${(first.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'minimum':
      return `parameter "${name}" must be ≥ ${(first.params as { limit: number }).limit}`;
    case 'minLength':
      return `parameter "${name}" must not be empty`;
    default:
      return name ? `parameter "${name}" ${first.message ?? 'is invalid'}` : first.message ?? 'invalid params';
  }
}

/** `/tags/0` → `tags[0]`. */
function paramName(instancePath: string): string {
  return instancePath
    .split('/')
    .filter(Boolean)
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
}

function article(type: string): string {
  const a: Record<string, string> = { string: 'a string', boolean: 'a boolean (true or false)', object: 'a JSON object', array: 'an array', number: 'a number', integer: 'an integer' };
  return a[type] ?? type;
}

// The published JSON Schemas (schemas/*.schema.json at the package root) applied to a parsed YAML
// file, with ajv's errors turned into one readable line each that names the YAML path and line.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { problemAt, type YamlFile, type YamlPath } from './yaml-file.js';
import { quoteValue } from './errors.js';

export type SchemaKind = 'api' | 'config';

const SCHEMA_FILES: Record<SchemaKind, string> = {
  api: 'instrument-api.schema.json',
  config: 'instrument-config.schema.json',
};

/** Where the schemas live: `<package>/schemas/`, two levels above this file in dist/ and src/. */
export function schemaPath(kind: SchemaKind): string {
  return fileURLToPath(new URL(`../../schemas/${SCHEMA_FILES[kind]}`, import.meta.url));
}

// Compiling a schema takes milliseconds; keep one validator per kind for the life of the process.
const compiled = new Map<SchemaKind, ValidateFunction>();

function validator(kind: SchemaKind): ValidateFunction {
  let validate = compiled.get(kind);
  if (!validate) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    validate = ajv.compile(JSON.parse(readFileSync(schemaPath(kind), 'utf8')));
    compiled.set(kind, validate);
  }
  return validate;
}

/** Schema problems of a parsed file, one line each (`line 7: commands.SET.parameters[0].type: must be one of ...`). */
export function schemaProblems(kind: SchemaKind, file: YamlFile): string[] {
  const validate = validator(kind);
  if (validate(file.data)) return [];
  const problems: string[] = [];
  for (const error of validate.errors ?? []) {
    const line = describe(error, file);
    if (line !== undefined && !problems.includes(line)) problems.push(line);
  }
  return problems;
}

function pathOf(instancePath: string): YamlPath {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function describe(error: ErrorObject, file: YamlFile): string | undefined {
  const path = pathOf(error.instancePath);
  const params = error.params as Record<string, any>;
  switch (error.keyword) {
    // if/then/else and propertyNames repeat what the failing inner keyword already said.
    case 'if':
    case 'propertyNames':
      return undefined;
    case 'required':
      return problemAt(file, path, `missing required field ${params.missingProperty}`);
    case 'enum':
      return problemAt(file, path, `${quoteValue(valueAt(file.data, path))} is not allowed; must be one of ${params.allowedValues.join(', ')}`);
    case 'pattern':
      // Inside propertyNames ajv puts the offending key on the error itself.
      if (error.propertyName !== undefined) {
        return problemAt(file, [...path, error.propertyName], `name ${quoteValue(error.propertyName)} must match ${params.pattern}`);
      }
      return problemAt(file, path, `${quoteValue(valueAt(file.data, path))} must match ${params.pattern}`);
    case 'not':
      return problemAt(file, path, `must not be ${quoteValue(valueAt(file.data, path))}`);
    case 'type':
      return problemAt(file, path, `must be ${String(params.type).replace(',', ' or ')}, got ${kindOf(valueAt(file.data, path))}`);
    default:
      return problemAt(file, path, error.message ?? 'is invalid');
  }
}

function valueAt(data: unknown, path: YamlPath): unknown {
  let value: any = data;
  for (const part of path) value = value?.[part];
  return value;
}

function kindOf(value: unknown): string {
  if (value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${quoteValue(value)}`;
}

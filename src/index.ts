// Public API of the package: the embedding API, the configuration loaders and the wire types.
export type * from './config/types.js';
export type * from './results/types.js';
export type * from './drivers/driver.js';
export { ConfigError, ParameterError, TemplateError, loadApiDefinition, loadInstrumentConfig, loadInstrument, resolveApiRef, renderTemplate, formatValue, bindCall, bindCliArguments, toRawValue, fromRawValue } from './config/index.js';
export type { BoundCommand, CallArguments, LoadOptions } from './config/index.js';
export { ScriptRunner, DEFAULT_MEMORY_LIMIT_BYTES, DEFAULT_TIME_LIMIT_MS } from './script/index.js';
export type { ScriptCall, RejectedCall, WaitValue, ScriptHost, ScriptOptions, ScriptExecution, ScriptEnd, ScriptRunnerOptions } from './script/index.js';

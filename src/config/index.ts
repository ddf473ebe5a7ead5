// Configuration: loading and checking instrument API definitions and instrument configurations,
// and turning a call into a checked, rendered command.
export type * from './types.js';
export { ConfigError, ParameterError, TemplateError } from './errors.js';
export { loadApiDefinition } from './api-definition.js';
export { loadInstrumentConfig, type LoadOptions } from './instrument-config.js';
export { loadInstrument } from './loaded-instrument.js';
export { resolveApiRef, apiRefToPath } from './api-ref.js';
export { channelPortName, expandChannelGroup } from './channel-groups.js';
export { renderTemplate, formatValue, templatePlaceholders } from './template.js';
export { bindCall, bindCliArguments, type BoundCommand, type CallArguments } from './binding.js';
export { toRawValue, fromRawValue } from './io-scaling.js';
export { normaliseValueType, normaliseReturnType } from './value-types.js';
export { schemaPath } from './schemas.js';
export { validateApiFile, validateConfigFile } from './validation.js';

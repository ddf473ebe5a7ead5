// The C plugin ABI of the original (../shared/spec/PLUGIN_ABI.md), declared as koffi types so
// koffi computes the layout the platform C compiler uses, and checked against the documented
// sizes before any library is called: if this declaration and the document ever disagree,
// nothing is loaded. Commands and responses travel as raw buffers at those offsets.
import koffi from 'koffi';

export const PLUGIN_API_VERSION = 1;
export const STRING_SIZE = 128;
export const MAX_PARAMS = 16;
export const PAYLOAD_SIZE = 4096;

export const ValueTag = {
  NONE: 0, INT32: 1, INT64: 2, UINT32: 3, UINT64: 4, FLOAT: 5, DOUBLE: 6, BOOL: 7, STRING: 8, BINARY: 9, ARRAY_DOUBLE: 10, ARRAY_INT32: 11,
} as const;
export const TAG_NAMES = Object.keys(ValueTag);

/** `data_type` of a response with large data. */
export const DATA_TYPES = ['float32', 'float64', 'int32', 'int64', 'uint32', 'uint64', 'uint8'] as const;

const chars = (n: number) => koffi.array('char', n);
const span = () => koffi.struct({ data: 'void *', size: 'size_t' });

export const PluginValueUnion = koffi.union('PluginValueUnion', {
  int32_value: 'int32_t',
  int64_value: 'int64_t',
  uint32_value: 'uint32_t',
  uint64_value: 'uint64_t',
  float_value: 'float',
  double_value: 'double',
  bool_value: 'bool',
  string_value: chars(STRING_SIZE),
  binary_value: span(),
  array_double_value: span(),
  array_int32_value: span(),
});

export const PluginValue = koffi.struct('PluginValue', { type: 'int32_t', value: PluginValueUnion });
export const PluginParam = koffi.struct('PluginParam', { name: chars(STRING_SIZE), value: PluginValue });

export const PluginCommandStruct = koffi.struct('PluginCommandStruct', {
  id: chars(STRING_SIZE),
  instrument_name: chars(STRING_SIZE),
  verb: chars(STRING_SIZE),
  params: koffi.array(PluginParam, MAX_PARAMS),
  param_count: 'uint32_t',
  timeout_ms: 'uint32_t',
  expects_response: 'bool',
});

export const PluginResponseStruct = koffi.struct('PluginResponseStruct', {
  command_id: chars(STRING_SIZE),
  instrument_name: chars(STRING_SIZE),
  success: 'bool',
  return_value: PluginValue,
  text_response: chars(PAYLOAD_SIZE),
  binary_response: koffi.array('uint8_t', PAYLOAD_SIZE),
  binary_response_size: 'uint32_t',
  error_code: 'int32_t',
  error_message: chars(STRING_SIZE),
  has_large_data: 'bool',
  data_buffer_id: chars(STRING_SIZE),
  data_element_count: 'uint64_t',
  data_type: 'uint8_t',
});

export const PluginConfigStruct = koffi.struct('PluginConfigStruct', {
  instrument_name: chars(STRING_SIZE),
  connection_json: chars(PAYLOAD_SIZE),
  api_definition_json: chars(PAYLOAD_SIZE),
});

export const PluginMetadataStruct = koffi.struct('PluginMetadataStruct', {
  api_version: 'uint32_t',
  name: chars(STRING_SIZE),
  version: chars(STRING_SIZE),
  protocol_type: chars(STRING_SIZE),
  description: chars(STRING_SIZE),
});

/** Sizes and offsets on x86-64 Linux, worked out by hand from PLUGIN_ABI.md (natural alignment). */
export const DOCUMENTED_LAYOUT = {
  PluginValue: { size: 136 },
  PluginParam: { size: 264, value: 128 },
  PluginCommandStruct: { size: 4624, params: 384, param_count: 4608, timeout_ms: 4612, expects_response: 4616 },
  PluginResponseStruct: {
    size: 8880, success: 256, return_value: 264, text_response: 400, binary_response: 4496, binary_response_size: 8592,
    error_code: 8596, error_message: 8600, has_large_data: 8728, data_buffer_id: 8729, data_element_count: 8864, data_type: 8872,
  },
  PluginConfigStruct: { size: 8320, connection_json: 128, api_definition_json: 4224 },
  PluginMetadataStruct: { size: 516, name: 4, version: 132, protocol_type: 260, description: 388 },
} as const;

const TYPES = { PluginValue, PluginParam, PluginCommandStruct, PluginResponseStruct, PluginConfigStruct, PluginMetadataStruct };

/** Differences between koffi's layout and the documented one; empty when they agree. */
export function layoutMismatches(): string[] {
  const problems: string[] = [];
  for (const [name, fields] of Object.entries(DOCUMENTED_LAYOUT)) {
    const type = TYPES[name as keyof typeof TYPES];
    for (const [field, expected] of Object.entries(fields)) {
      const actual = field === 'size' ? koffi.sizeof(type) : koffi.offsetof(type, field);
      if (actual !== expected) problems.push(`${name}.${field} is ${actual}, the ABI says ${expected}`);
    }
  }
  return problems;
}

/** Byte offsets used when filling and reading the raw buffers. */
export const OFFSETS = {
  valueUnion: koffi.offsetof(PluginValue, 'value'),
  param: { size: koffi.sizeof(PluginParam), value: koffi.offsetof(PluginParam, 'value') },
  command: {
    size: koffi.sizeof(PluginCommandStruct),
    id: koffi.offsetof(PluginCommandStruct, 'id'),
    instrument_name: koffi.offsetof(PluginCommandStruct, 'instrument_name'),
    verb: koffi.offsetof(PluginCommandStruct, 'verb'),
    params: koffi.offsetof(PluginCommandStruct, 'params'),
    param_count: koffi.offsetof(PluginCommandStruct, 'param_count'),
    timeout_ms: koffi.offsetof(PluginCommandStruct, 'timeout_ms'),
    expects_response: koffi.offsetof(PluginCommandStruct, 'expects_response'),
  },
  response: Object.fromEntries(
    ['command_id', 'instrument_name', 'success', 'return_value', 'text_response', 'binary_response', 'binary_response_size', 'error_code',
      'error_message', 'has_large_data', 'data_buffer_id', 'data_element_count', 'data_type'].map((f) => [f, koffi.offsetof(PluginResponseStruct, f)]),
  ) as Record<'command_id' | 'instrument_name' | 'success' | 'return_value' | 'text_response' | 'binary_response' | 'binary_response_size' | 'error_code' | 'error_message' | 'has_large_data' | 'data_buffer_id' | 'data_element_count' | 'data_type', number>,
  responseSize: koffi.sizeof(PluginResponseStruct),
  config: {
    size: koffi.sizeof(PluginConfigStruct),
    instrument_name: koffi.offsetof(PluginConfigStruct, 'instrument_name'),
    connection_json: koffi.offsetof(PluginConfigStruct, 'connection_json'),
    api_definition_json: koffi.offsetof(PluginConfigStruct, 'api_definition_json'),
  },
};

/** Writes a NUL-terminated string into a fixed-size char field; refuses text that does not fit. */
export function writeCString(buffer: Buffer, offset: number, size: number, text: string, what: string): void {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length >= size) throw new Error(`${what} is ${bytes.length} bytes; the plugin ABI allows ${size - 1}`);
  bytes.copy(buffer, offset);
  buffer[offset + bytes.length] = 0;
}

export function readCString(buffer: Buffer, offset: number, size: number): string {
  const field = buffer.subarray(offset, offset + size);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? size : end).toString('utf8');
}

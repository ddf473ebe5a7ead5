// Native plugins: a shared library exporting the C ABI of the original (plugin_get_metadata,
// plugin_initialize, plugin_execute_command, plugin_shutdown), loaded with koffi. Runs inside
// the instrument's worker process, so a plugin that crashes takes only that worker down.
// Commands and responses are raw buffers laid out as plugin-abi.ts declares and checks.
import koffi from 'koffi';
import { resolve } from 'node:path';
import type { ArrayDataType, ParamValue } from '../../config/types.js';
import type { NumericArray } from '../driver.js';
import {
  DATA_TYPES, layoutMismatches, MAX_PARAMS, OFFSETS, PAYLOAD_SIZE, PLUGIN_API_VERSION, PluginMetadataStruct, readCString, STRING_SIZE,
  TAG_NAMES, ValueTag, writeCString,
} from './plugin-abi.js';
import { PluginLoadError } from './js-plugin.js';
import type { PluginBackend } from './plugin-driver.js';
import type { PluginCommand, PluginConfig, PluginMetadata, PluginResponse, PluginValue } from './plugin-types.js';
import { typedArrayFromBytes } from '../typed-arrays.js';

interface NativeFunctions {
  getMetadata: () => { api_version: number; name: string; version: string; protocol_type: string; description: string };
  initialize: (config: Buffer) => Promise<number>;
  execute: (command: Buffer, response: Buffer) => Promise<number>;
  shutdown: () => void;
}

type KoffiFunction = ((...args: unknown[]) => unknown) & { async: (...args: unknown[]) => void };

/**
 * Runs a plugin call on koffi's worker thread: a plugin that takes seconds to measure must not
 * stall the worker's event loop, or its heartbeats stop and it is taken for hung.
 */
function inBackground(fn: KoffiFunction): (...args: unknown[]) => Promise<number> {
  return (...args) => new Promise((resolve, reject) => fn.async(...args, (error: unknown, result: number) => (error ? reject(error) : resolve(result))));
}

function bind(path: string): NativeFunctions {
  const problems = layoutMismatches();
  if (problems.length > 0) throw new PluginLoadError(`refusing to load ${path}: the plugin ABI declaration disagrees with the documented layout: ${problems.join('; ')}`);
  let lib: ReturnType<typeof koffi.load>;
  try {
    lib = koffi.load(path);
  } catch (error) {
    throw new PluginLoadError(`cannot load native plugin ${path}: ${(error as Error).message}`);
  }
  const lookup = <T>(name: string, signature: () => T): T => {
    try {
      return signature();
    } catch (error) {
      throw new PluginLoadError(`${path} is not an instrument plugin: it does not export ${name} (${(error as Error).message})`);
    }
  };
  return {
    getMetadata: lookup('plugin_get_metadata', () => lib.func('plugin_get_metadata', PluginMetadataStruct, [])),
    initialize: inBackground(lookup('plugin_initialize', () => lib.func('int32_t plugin_initialize(const void *config)') as KoffiFunction)),
    execute: inBackground(lookup('plugin_execute_command', () => lib.func('int32_t plugin_execute_command(const void *command, void *response)') as KoffiFunction)),
    shutdown: lookup('plugin_shutdown', () => lib.func('void plugin_shutdown(void)')),
  };
}

/** Reads a native plugin's metadata and refuses libraries that do not speak API version 1. */
export function checkNativeMetadata(path: string, raw: ReturnType<NativeFunctions['getMetadata']>): PluginMetadata {
  if (raw.api_version !== PLUGIN_API_VERSION) {
    throw new PluginLoadError(`refusing to load ${path}: plugin API version ${raw.api_version}, this server supports version ${PLUGIN_API_VERSION}`);
  }
  if (!raw.name || !raw.protocol_type) throw new PluginLoadError(`refusing to load ${path}: its metadata has no name or protocol_type`);
  return { api_version: raw.api_version, name: raw.name, version: raw.version, protocol_type: raw.protocol_type, description: raw.description };
}

/** JSON for a fixed 4096-byte field: whole when it fits, otherwise a compact form the plugin can still parse. */
function fittingJson(value: unknown, compact: () => unknown): string {
  const full = JSON.stringify(value);
  if (Buffer.byteLength(full) < PAYLOAD_SIZE) return full;
  const smaller = JSON.stringify(compact());
  return Buffer.byteLength(smaller) < PAYLOAD_SIZE ? smaller : '{}';
}

function tagFor(name: string, value: ParamValue, declared: 'int' | 'float' | undefined): number {
  if (typeof value === 'boolean') return ValueTag.BOOL;
  if (typeof value === 'string') return ValueTag.STRING;
  if (Array.isArray(value)) return ValueTag.ARRAY_DOUBLE;
  if (typeof value === 'number') {
    if (declared === 'float') return ValueTag.DOUBLE;
    if (declared === 'int' || Number.isInteger(value)) return ValueTag.INT64;
    return ValueTag.DOUBLE;
  }
  throw new Error(`parameter ${name} has a value of type ${typeof value} the plugin ABI cannot carry`);
}

export class NativePlugin implements PluginBackend {
  private constructor(readonly path: string, private readonly fns: NativeFunctions, readonly metadata: PluginMetadata) {}

  static load(path: string): NativePlugin {
    const absolute = resolve(path);
    const fns = bind(absolute);
    return new NativePlugin(absolute, fns, checkNativeMetadata(absolute, fns.getMetadata()));
  }

  /** Metadata only (discovery): loads the library and asks it, nothing else. */
  static readMetadata(path: string): PluginMetadata {
    const absolute = resolve(path);
    return checkNativeMetadata(absolute, bind(absolute).getMetadata());
  }

  async initialize(config: PluginConfig): Promise<void> {
    const c = OFFSETS.config;
    const buffer = Buffer.alloc(c.size);
    const connection = config.connection;
    const connectionJson = { type: connection.type, address: connection.address, timeout: connection.timeoutMs, baudrate: connection.baudrate, ...connection.options, custom: connection.custom };
    const api = config.api_definition;
    writeCString(buffer, c.instrument_name, STRING_SIZE, config.instrument_name, 'instrument name');
    writeCString(buffer, c.connection_json, PAYLOAD_SIZE, fittingJson(connectionJson, () => ({ type: connection.type, address: connection.address })), 'connection JSON');
    writeCString(buffer, c.api_definition_json, PAYLOAD_SIZE,
      fittingJson(api, () => ({ api_version: api.apiVersion, instrument: api.instrument, protocol: api.protocol, commands: Object.keys(api.commands) })), 'API definition JSON');
    const rc = await this.fns.initialize(buffer);
    if (rc !== 0) throw new Error(`plugin_initialize returned ${rc}`);
  }

  async execute(command: PluginCommand, paramTypes: Record<string, 'int' | 'float' | undefined>): Promise<PluginResponse> {
    const o = OFFSETS.command;
    const buffer = Buffer.alloc(o.size);
    writeCString(buffer, o.id, STRING_SIZE, command.id, 'command id');
    writeCString(buffer, o.instrument_name, STRING_SIZE, command.instrument_name, 'instrument name');
    writeCString(buffer, o.verb, STRING_SIZE, command.verb, 'verb');
    const entries = Object.entries(command.params);
    if (entries.length > MAX_PARAMS) throw new Error(`${entries.length} parameters; the plugin ABI carries at most ${MAX_PARAMS}`);
    const allocations: unknown[] = [];
    try {
      entries.forEach(([name, value], i) => {
        const at = o.params + i * OFFSETS.param.size;
        writeCString(buffer, at, STRING_SIZE, name, `parameter name ${name}`);
        const valueAt = at + OFFSETS.param.value;
        const unionAt = valueAt + OFFSETS.valueUnion;
        const tag = tagFor(name, value, paramTypes[name]);
        buffer.writeInt32LE(tag, valueAt);
        if (tag === ValueTag.BOOL) buffer.writeUInt8(value ? 1 : 0, unionAt);
        else if (tag === ValueTag.STRING) writeCString(buffer, unionAt, STRING_SIZE, value as string, `parameter ${name}`);
        else if (tag === ValueTag.INT64) buffer.writeBigInt64LE(BigInt(Math.trunc(value as number)), unionAt);
        else if (tag === ValueTag.DOUBLE) buffer.writeDoubleLE(value as number, unionAt);
        else {
          const values = value as number[];
          const memory = koffi.alloc('double', Math.max(1, values.length));
          allocations.push(memory);
          koffi.encode(memory, 'double', values, values.length);
          koffi.encode(buffer, unionAt, 'void *', memory);
          buffer.writeBigUInt64LE(BigInt(values.length), unionAt + 8);
        }
      });
      buffer.writeUInt32LE(entries.length, o.param_count);
      buffer.writeUInt32LE(Math.max(0, Math.min(0xffffffff, Math.round(command.timeout_ms))), o.timeout_ms);
      buffer.writeUInt8(command.expects_response ? 1 : 0, o.expects_response);

      const response = Buffer.alloc(OFFSETS.responseSize);
      const rc = await this.fns.execute(buffer, response);
      return this.decodeResponse(response, rc);
    } finally {
      for (const memory of allocations) koffi.free(memory);
    }
  }

  async shutdown(): Promise<void> {
    this.fns.shutdown();
  }

  private decodeResponse(buffer: Buffer, rc: number): PluginResponse {
    const r = OFFSETS.response;
    const success = buffer.readUInt8(r.success) !== 0 && rc === 0;
    const errorMessage = readCString(buffer, r.error_message, STRING_SIZE);
    const errorCode = buffer.readInt32LE(r.error_code);
    if (!success) {
      const why = errorMessage || (rc !== 0 ? `plugin_execute_command returned ${rc}` : 'the plugin reported failure without a message');
      return { success: false, error_message: why, error_code: errorCode };
    }
    const text = readCString(buffer, r.text_response, PAYLOAD_SIZE);
    let value = this.decodeValue(buffer, r.return_value);
    let dataType: ArrayDataType | undefined = value instanceof Float64Array ? 'float64' : value instanceof Int32Array ? 'int32' : undefined;
    if (buffer.readUInt8(r.has_large_data) !== 0) {
      dataType = DATA_TYPES[buffer.readUInt8(r.data_type)];
      if (!dataType) return { success: false, error_message: `response has large data of unknown data_type ${buffer.readUInt8(r.data_type)}` };
      if (!ArrayBuffer.isView(value)) {
        const size = Math.min(buffer.readUInt32LE(r.binary_response_size), PAYLOAD_SIZE);
        value = typedArrayFromBytes(buffer.subarray(r.binary_response, r.binary_response + size), dataType);
      }
      const count = Number(buffer.readBigUInt64LE(r.data_element_count));
      if (count > 0 && ArrayBuffer.isView(value) && (value as NumericArray).length > count) value = (value as Float64Array).subarray(0, count);
    }
    return { success: true, value, ...(dataType ? { data_type: dataType } : {}), ...(text ? { text_response: text } : {}) };
  }

  private decodeValue(buffer: Buffer, at: number): PluginValue {
    const tag = buffer.readInt32LE(at);
    const u = at + OFFSETS.valueUnion;
    const pointerArray = (type: string): unknown => {
      const size = Number(buffer.readBigUInt64LE(u + 8));
      const pointer = koffi.decode(buffer, u, 'void *');
      if (pointer === null || size === 0) return [];
      return koffi.decode(pointer, type, size);
    };
    switch (tag) {
      case ValueTag.NONE: return undefined;
      case ValueTag.INT32: return buffer.readInt32LE(u);
      case ValueTag.UINT32: return buffer.readUInt32LE(u);
      case ValueTag.INT64: return safeNumber(buffer.readBigInt64LE(u));
      case ValueTag.UINT64: return safeNumber(buffer.readBigUInt64LE(u));
      case ValueTag.FLOAT: return buffer.readFloatLE(u);
      case ValueTag.DOUBLE: return buffer.readDoubleLE(u);
      case ValueTag.BOOL: return buffer.readUInt8(u) !== 0;
      case ValueTag.STRING: return readCString(buffer, u, STRING_SIZE);
      case ValueTag.BINARY: return Uint8Array.from(pointerArray('uint8_t') as ArrayLike<number>);
      case ValueTag.ARRAY_DOUBLE: return Float64Array.from(pointerArray('double') as ArrayLike<number>);
      case ValueTag.ARRAY_INT32: return Int32Array.from(pointerArray('int32_t') as ArrayLike<number>);
      default: throw new Error(`response return value has unknown type tag ${tag} (known: ${TAG_NAMES.join(', ')})`);
    }
  }
}

function safeNumber(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}


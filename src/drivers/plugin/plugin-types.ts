// What a JS/TS plugin module looks like, for plugin authors (exported by the package):
//
//   export const metadata: PluginMetadata = { name: 'my-driver', version: '1.0.0', protocol_type: 'MyBus', description: '...' };
//   export async function initialize(config: PluginConfig): Promise<void> { ... }
//   export async function execute(command: PluginCommand): Promise<PluginResponse> { ... }
//   export async function shutdown(): Promise<void> { ... }
//
// The same four names as the C plugin ABI of the original (plugin_get_metadata, plugin_initialize,
// plugin_execute_command, plugin_shutdown), with JS values instead of fixed-size structs.
import type { ApiDefinition, ArrayDataType, ConnectionConfig, ParamValue } from '../../config/types.js';

export interface PluginMetadata {
  name: string;
  version: string;
  /** The protocol this plugin speaks; matched against the API's `protocol.name` for Custom instruments. */
  protocol_type: string;
  description: string;
  /** Native plugins must report 1; JS plugins may omit it. */
  api_version?: number;
}

export interface PluginConfig {
  instrument_name: string;
  /** The instrument configuration's `connection` section. */
  connection: ConnectionConfig;
  api_definition: ApiDefinition;
}

export interface PluginCommand {
  /** Unique per command within the instrument's worker. */
  id: string;
  instrument_name: string;
  verb: string;
  /** Parameters by name, in raw units. */
  params: Record<string, ParamValue>;
  /** The command's template rendered with its parameters (SCPI text), for plugins that want it. */
  text: string;
  channel?: number;
  timeout_ms: number;
  expects_response: boolean;
}

export type PluginValue = number | bigint | string | boolean | number[] | Float32Array | Float64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array | BigInt64Array | BigUint64Array | null | undefined;

export interface PluginResponse {
  success: boolean;
  value?: PluginValue;
  /** Element type of an array value. */
  data_type?: ArrayDataType;
  text_response?: string;
  error_message?: string;
  error_code?: number;
}

export interface InstrumentPlugin {
  metadata: PluginMetadata;
  /** Throwing (or returning false or a non-zero number) refuses the instrument. */
  initialize(config: PluginConfig): unknown;
  execute(command: PluginCommand): PluginResponse | Promise<PluginResponse>;
  shutdown(): unknown;
}

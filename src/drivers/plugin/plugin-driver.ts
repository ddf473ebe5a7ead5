// A Driver backed by a plugin, JS or native: builds the plugin's config and commands from the
// instrument, and turns the plugin's response into a reply or a clear error. The two kinds of
// plugin differ only in how they are loaded and called (js-plugin.ts, native-plugin.ts).
import type { ParamValue } from '../../config/types.js';
import type { Driver, DriverCommand, DriverContext, DriverReply, NumericArray } from '../driver.js';
import { typedArrayDataType } from '../typed-arrays.js';
import type { PluginCommand, PluginConfig, PluginMetadata, PluginResponse } from './plugin-types.js';

/** A loaded plugin, whatever its kind. */
export interface PluginBackend {
  readonly path: string;
  readonly metadata: PluginMetadata;
  initialize(config: PluginConfig): Promise<void>;
  execute(command: PluginCommand, paramTypes: Record<string, 'int' | 'float' | undefined>): Promise<PluginResponse>;
  shutdown(): Promise<void>;
}


export class PluginDriver implements Driver {
  private initialized = false;

  constructor(private readonly context: DriverContext, private readonly plugin: PluginBackend) {}

  private get label(): string {
    return `Instrument ${this.context.instrument}`;
  }

  private get pluginName(): string {
    return `plugin ${this.plugin.metadata.name} (${this.plugin.path})`;
  }

  async connect(): Promise<void> {
    try {
      await this.plugin.initialize({
        instrument_name: this.context.instrument,
        connection: this.context.config.connection,
        api_definition: this.context.api,
      });
      this.initialized = true;
    } catch (error) {
      throw new Error(`${this.label}: ${this.pluginName} refused to initialize: ${(error as Error).message}`);
    }
  }

  async execute(command: DriverCommand): Promise<DriverReply> {
    const paramTypes: Record<string, 'int' | 'float' | undefined> = {};
    for (const p of command.spec.parameters) paramTypes[p.name] = p.type === 'int' || p.type === 'float' ? p.type : undefined;
    const params: Record<string, ParamValue> = { ...command.params };
    if (command.channel !== undefined && params['channel'] === undefined) params['channel'] = command.channel;
    let response: PluginResponse;
    try {
      response = await this.plugin.execute({
        id: String(command.id),
        instrument_name: this.context.instrument,
        verb: command.verb,
        params,
        text: command.text,
        ...(command.channel !== undefined ? { channel: command.channel } : {}),
        timeout_ms: command.timeoutMs,
        expects_response: command.expectsResponse,
      }, paramTypes);
    } catch (error) {
      throw new Error(`${this.label}: command ${command.verb} failed in ${this.pluginName}: ${(error as Error).message}`);
    }
    if (!response.success) {
      const code = response.error_code !== undefined && response.error_code !== 0 ? ` (error code ${response.error_code})` : '';
      throw new Error(`${this.label}: command ${command.verb} failed in ${this.pluginName}: ${response.error_message || 'no error message'}${code}`);
    }
    const value = response.value;
    if (Array.isArray(value)) return { value, dataType: response.data_type ?? 'float64' };
    if (ArrayBuffer.isView(value)) return { value: value as NumericArray, dataType: response.data_type ?? (typedArrayDataType(value as NumericArray) ?? 'float64') };
    if (value === undefined || value === null) return { value: response.text_response ? response.text_response : undefined };
    return { value };
  }

  async identify(): Promise<string> {
    const m = this.plugin.metadata;
    return `${m.name} ${m.version} (${m.protocol_type})`;
  }

  async close(): Promise<void> {
    if (!this.initialized) return;
    this.initialized = false;
    await this.plugin.shutdown();
  }
}

// The normalised shapes of the two YAML file kinds (instrument API definition and instrument
// configuration). Loaders in this folder turn the YAML written for the C++ original into these;
// everything downstream (workers, drivers, the Lua runtime, the scheduler) reads only these.

/** Value types an IO port or parameter can have. `integer`/`boolean` spellings normalise to these. */
export type ValueType = 'int' | 'float' | 'bool' | 'string' | 'array';

/** The type a command's reply has, as recorded in results (SPEC part 12). */
export type ReturnType = 'void' | 'double' | 'int64' | 'string' | 'bool' | 'array';

/** Element types of binary arrays and buffers. */
export type ArrayDataType = 'float32' | 'float64' | 'int32' | 'int64' | 'uint32' | 'uint64' | 'uint8' | 'int8' | 'int16' | 'uint16';

export interface IoPort {
  name: string;
  type: ValueType;
  /** input | output | inout | setting | trigger | clock | trigger-in | ... (free text, kept as written). */
  role: string;
  unit?: string;
  description?: string;
  /** Set when the port was produced by expanding a channel group: the group and channel number. */
  channelGroup?: string;
  channel?: number;
  /** For expanded ports: the suffix the group declared (e.g. `waveform`). */
  suffix?: string;
  /** For `array` ports: the element type (`array<int>` → int32, otherwise float64). */
  arrayDataType?: ArrayDataType;
}

export interface ParameterSpec {
  name: string;
  type: ValueType;
  unit?: string;
  min?: number;
  max?: number;
  /** Parameters are required unless `required: false` or a `default` is given. */
  required: boolean;
  default?: ParamValue;
  /** When the parameter was declared as `io: <port>`, the port it refers to. */
  io?: string;
  description?: string;
}

export interface ChannelGroup {
  name: string;
  description?: string;
  /** The parameter that selects the channel (e.g. `channel`, int, 1..4). */
  parameter: { name: string; type: ValueType; min: number; max: number; description?: string };
  /** Per-channel IO kinds; each expands to `<group><n>_<suffix>` ports. */
  ioTypes: Array<{ suffix: string; type: ValueType; role: string; unit?: string; description?: string }>;
}

export interface CommandSpec {
  verb: string;
  template: string;
  description?: string;
  parameters: ParameterSpec[];
  /** Output port names as written (for channel commands: suffixes, expanded per channel at call time). */
  outputs: string[];
  /** What a call returns: from `returns` when given, else derived from the first output port. */
  returns: ReturnType;
  /** Element type when `returns` is `array` (default float64). */
  arrayDataType?: ArrayDataType;
  /** Element type of binary blocks as declared by the command's `data_type` (wins over the connection's). */
  blockDataType?: ArrayDataType;
  /** Whether a reply is read: `query: true`, a template ending in `?`, or any outputs. */
  query: boolean;
  channelGroup?: string;
  /** For channel commands: the group's channel parameter name (e.g. `channel`), under which the channel is bound. */
  channelParameter?: string;
  timeoutMs?: number;
}

export interface ApiDefinition {
  apiVersion: string;
  instrument: { vendor: string; model: string; identifier: string; description?: string; firmwareVersion?: string };
  protocol: { type: string; name?: string; config?: Record<string, unknown> };
  /** All IO ports, channel-group ports already expanded. */
  io: IoPort[];
  channelGroups: ChannelGroup[];
  commands: Record<string, CommandSpec>;
  /** Absolute path of the file it was loaded from. */
  sourcePath: string;
}

export interface IoConfigEntry {
  type?: ValueType;
  role?: string;
  unit?: string;
  /** Value seen by scripts = raw × scale + offset. */
  offset: number;
  scale: number;
}

export interface ConnectionConfig {
  /** VISA | Custom | Serial | USB (as written in the file). */
  type: string;
  address: string;
  /** Per-command timeout in ms (default 5000). */
  timeoutMs?: number;
  baudrate?: number;
  /** Serial settings and transport options (parity, stop_bits, flow_control, read/write termination, reconnect). */
  options: Record<string, unknown>;
  custom: Record<string, unknown>;
}

export interface InstrumentConfig {
  name: string;
  /** Absolute, canonical path of the API definition. */
  apiPath: string;
  /** Absolute path of the configuration file (empty for configs built in code). */
  configPath: string;
  connection: ConnectionConfig;
  startup: { initCommands: string[]; delayMs: number };
  ioConfig: Record<string, IoConfigEntry>;
  /** The `sim:` section, passed to the simulator as written (validated by the config schema). */
  sim?: Record<string, unknown>;
}

/** A configuration together with the API definition it references. */
export interface LoadedInstrument {
  config: InstrumentConfig;
  api: ApiDefinition;
}

/** A parameter value as it travels from a script to a driver. */
export type ParamValue = number | string | boolean | number[];

/** Parameters bound by name, as recorded in results and sent to workers. */
export type BoundParams = Record<string, ParamValue>;

// One instrument worker's life: wait for `init`, select and connect the driver, run the startup
// sequence, then serve `exec`/`ping` until `shutdown` or until the instrument side goes away.
// Every message is checked before use; anything malformed is logged and ignored.
import type { LoadedInstrument } from '../config/types.js';
import { selectDriver } from '../drivers/index.js';
import type { Driver, DriverContext } from '../drivers/driver.js';
import type { FromWorker, ToWorker, WireCommand } from './protocol.js';
import { CommandExecutor } from './command-executor.js';
import { WorkerLog } from './worker-log.js';

type State = 'waiting' | 'starting' | 'ready' | 'closing';

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Removes a leading `Instrument NAME: ` so causes are not prefixed twice. */
function causeOf(name: string, error: unknown): string {
  const message = messageOf(error);
  const prefix = `Instrument ${name}: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

function isWireCommand(value: unknown): value is WireCommand {
  return isObject(value) && typeof value.id === 'number' && typeof value.verb === 'string' && isObject(value.params)
    && (value.channel === undefined || typeof value.channel === 'number')
    && (value.timeoutMs === undefined || (typeof value.timeoutMs === 'number' && value.timeoutMs > 0));
}

function isLoadedInstrument(value: unknown): value is LoadedInstrument {
  return isObject(value) && isObject(value.config) && isObject(value.api) && typeof value.config.name === 'string'
    && isObject(value.api.commands) && isObject(value.config.connection);
}

export class WorkerSession {
  private state: State = 'waiting';
  private driver: Driver | undefined;
  private executor: CommandExecutor | undefined;
  /** Commands that arrived before the driver was ready. */
  private early: WireCommand[] = [];
  private lastPingAt = performance.now();
  private pingWatch: NodeJS.Timeout | undefined;
  readonly log: WorkerLog;

  constructor(private readonly send: (message: FromWorker) => void, private readonly exit: (code: number) => void) {
    this.log = new WorkerLog('worker', send);
  }

  receive(message: unknown): void {
    if (!isObject(message) || typeof message.t !== 'string') {
      this.log.warn(`ignored malformed message: ${preview(message)}`);
      return;
    }
    const typed = message as ToWorker;
    switch (typed.t) {
      case 'ping':
        this.lastPingAt = performance.now();
        if (typeof typed.seq === 'number') this.send({ t: 'pong', seq: typed.seq });
        else this.log.warn(`ignored malformed message: ${preview(message)}`);
        return;
      case 'exec':
        return this.receiveCommands(typed.commands);
      case 'init':
        return void this.start(typed);
      case 'shutdown':
        return void this.shutdown('shutdown requested');
      default:
        this.log.warn(`ignored malformed message: ${preview(message)}`);
    }
  }

  private receiveCommands(commands: unknown): void {
    if (!Array.isArray(commands)) {
      this.log.warn(`ignored malformed exec message: commands is ${preview(commands)}`);
      return;
    }
    const valid: WireCommand[] = [];
    for (const command of commands) {
      if (isWireCommand(command)) valid.push(command);
      else this.log.warn(`ignored malformed command: ${preview(command)}`);
    }
    if (this.state === 'ready') this.executor!.enqueue(valid);
    else if (this.state !== 'closing') this.early.push(...valid);
  }

  private async start(message: Extract<ToWorker, { t: 'init' }>): Promise<void> {
    if (this.state !== 'waiting') {
      this.log.warn('ignored a second init message');
      return;
    }
    if (!isLoadedInstrument(message.instrument)) {
      this.log.warn(`ignored malformed init message: ${preview(message)}`);
      return;
    }
    this.state = 'starting';
    const instrument = message.instrument;
    const name = instrument.config.name;
    this.log.setName(`worker_${name}`);
    this.log.setLevel(message.logLevel);
    const context: DriverContext = {
      instrument: name,
      config: instrument.config,
      api: instrument.api,
      log: (level, text) => this.log.write(level, text),
    };
    if (typeof message.pluginPath === 'string') context.pluginPath = message.pluginPath;

    let phase = 'driver selection failed';
    try {
      const driver = await selectDriver(context);
      this.driver = driver;
      phase = 'connect failed';
      await driver.connect();
      if (instrument.config.startup.delayMs > 0) {
        phase = 'startup delay interrupted';
        await new Promise((resolve) => setTimeout(resolve, instrument.config.startup.delayMs));
      }
      for (const text of instrument.config.startup.initCommands) {
        phase = `init command "${text}" failed`;
        await this.runInitCommand(instrument, driver, text);
      }
      phase = 'identification failed';
      const identity = driver.identify ? await driver.identify().catch((error: unknown) => {
        this.log.warn(`identification failed: ${messageOf(error)}`);
        return undefined;
      }) : undefined;
      if (this.state !== 'starting') return;
      this.executor = new CommandExecutor(instrument, driver, (results) => this.send({ t: 'results', results }));
      this.state = 'ready';
      this.watchPings(message.heartbeatMs);
      this.log.info(`ready${identity ? `: ${identity}` : ''}`);
      this.send(identity !== undefined ? { t: 'ready', identity } : { t: 'ready' });
      if (this.early.length > 0) this.executor.enqueue(this.early.splice(0));
    } catch (error) {
      const reason = `${phase}: ${causeOf(name, error)}`;
      this.log.error(reason);
      this.send({ t: 'init_failed', error: reason });
      await this.shutdown(reason, 1);
    }
  }

  /**
   * The other direction of the heartbeat: the instrument side pings every heartbeatMs. Long
   * silence means its event loop is stalled; that is logged (the worker keeps serving: it exits
   * only when the channel closes, so a busy server is never mistaken for a dead one).
   */
  private watchPings(heartbeatMs: number): void {
    if (!(heartbeatMs > 0)) return;
    let warned = false;
    this.pingWatch = setInterval(() => {
      const silentMs = performance.now() - this.lastPingAt;
      if (silentMs > 10 * heartbeatMs && !warned) {
        warned = true;
        this.log.warn(`no heartbeat from the instrument side for ${Math.round(silentMs)} ms`);
      } else if (silentMs <= 10 * heartbeatMs) {
        warned = false;
      }
    }, 5 * heartbeatMs);
    this.pingWatch.unref();
  }

  /** An init command naming a verb of the API runs as that verb; anything else is written raw. */
  private async runInitCommand(instrument: LoadedInstrument, driver: Driver, text: string): Promise<void> {
    const verb = text.trim();
    if (instrument.api.commands[verb] !== undefined) {
      const failure = await new Promise<string | undefined>((resolve) => {
        const executor = new CommandExecutor(instrument, driver, (results) => resolve(results[0]?.ok ? undefined : results[0]?.error ?? 'no result'));
        executor.enqueue([{ id: 0, verb, params: {} }]);
      });
      if (failure !== undefined) throw new Error(failure);
      return;
    }
    if (!driver.write) throw new Error(`the driver cannot send raw text and ${verb} is not a command of the API`);
    await driver.write(text);
  }

  /** Closes the driver and exits; safe to call more than once. */
  async shutdown(reason: string, code = 0): Promise<void> {
    if (this.state === 'closing') return;
    this.state = 'closing';
    if (this.pingWatch) clearInterval(this.pingWatch);
    this.executor?.stop();
    this.log.info(`stopping: ${reason}`);
    try {
      await this.driver?.close();
    } catch (error) {
      this.log.warn(`closing the driver failed: ${messageOf(error)}`);
    }
    this.exit(code);
  }
}

function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

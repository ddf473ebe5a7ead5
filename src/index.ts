// Public API of the package: the embedding API, the configuration loaders and the wire types.
export type * from './config/types.js';
export type * from './results/types.js';
export type * from './drivers/driver.js';
export { ConfigError, ParameterError, TemplateError, loadApiDefinition, loadInstrumentConfig, loadInstrument, resolveApiRef, renderTemplate, formatValue, bindCall, bindCliArguments, toRawValue, fromRawValue } from './config/index.js';
export type { BoundCommand, CallArguments, LoadOptions } from './config/index.js';
export { ScriptRunner, DEFAULT_MEMORY_LIMIT_BYTES, DEFAULT_TIME_LIMIT_MS } from './script/index.js';
export type { ScriptCall, RejectedCall, WaitValue, ScriptHost, ScriptOptions, ScriptExecution, ScriptEnd, ScriptRunnerOptions } from './script/index.js';
export { JobStore, STORE_FILE_NAME, INTERRUPTED_JOB_ERROR, JobIdGenerator, JOB_ID_PATTERN } from './store/index.js';
export type { NewJob, JobStatusFields, StoredBuffer, SavedInstrument, Recovery } from './store/index.js';
export { JobQueue, CANCELED_BY_REQUEST, CANCELED_BY_STOP, JOB_STATUSES, FINISHED_STATUSES, toJobInfo, JobError, JobNotFoundError, JobStateError, JobNotFinishedError, JobSubmitError, QueueStoppedError } from './jobs/index.js';
export type { Job, JobInfo, JobStatus, JobType, ScriptMode, JobResultResponse, PartialJobResult, MeasureExecution, MeasureStarter, JobProgress, JobQueueOptions, JobQueueEvents, JobHandler, MeasureRequest, SubmitOptions, QueueLogger } from './jobs/index.js';
export { RpcServer, RpcClient, jobCommands, rpcPortFromEnv, isLoopback, DEFAULT_RPC_HOST, DEFAULT_RPC_PORT, DEFAULT_BODY_LIMIT_BYTES, RPC_PARAM_SCHEMAS, RpcError, RpcServerStartError, DaemonUnreachableError, RpcCommandError, RpcProtocolError } from './rpc/index.js';
export type { JobCommandHandlers, RpcServerOptions, RpcHandler, RpcHandlers, RpcRequestContext, RpcAddress, RpcLogger, RpcClientOptions, RpcAnswer, RpcOk, RpcCommandParams, KnownRpcCommand } from './rpc/index.js';
export { Instrument, InstrumentRegistry, InstrumentStartError, InstrumentExistsError, UnknownInstrumentError, formatCommandValue } from './instruments/index.js';
export type { InstrumentCommand, InstrumentOptions, InstrumentStats, InstrumentStatus, InstrumentEvents, RestartPolicy, CommandOutcome, CommandValue } from './instruments/index.js';
export { createSimDriver, SimDriver } from './drivers/sim/index.js';
export { LARGE_ARRAY_BYTES } from './worker/protocol.js';
export type { ToWorker, FromWorker, WireCommand, WireResult, WireValue } from './worker/protocol.js';

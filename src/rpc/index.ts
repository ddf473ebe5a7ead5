// The HTTP RPC endpoint (SPEC parts 2 and 14): server, client, the params of each command, errors.
export { RpcServer, isLoopback, DEFAULT_RPC_HOST, DEFAULT_RPC_PORT, DEFAULT_BODY_LIMIT_BYTES } from './rpc-server.js';
export type { RpcServerOptions, RpcHandler, RpcHandlers, RpcRequestContext, RpcAddress, RpcLogger } from './rpc-server.js';
export { RpcClient, rpcPortFromEnv } from './rpc-client.js';
export type { RpcClientOptions, RpcAnswer, RpcOk } from './rpc-client.js';
export { RPC_PARAM_SCHEMAS } from './command-params.js';
export type { RpcCommandParams, KnownRpcCommand } from './command-params.js';
export { ParamsValidator } from './params-validator.js';
export { jobCommands } from './job-commands.js';
export type { JobCommandHandlers } from './job-commands.js';
export { RpcError, RpcServerStartError, DaemonUnreachableError, RpcCommandError, RpcProtocolError } from './errors.js';

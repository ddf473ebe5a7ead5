// Lua measurement scripts: each runs in its own Lua thread (real Lua 5.4 via wasmoon) with the
// global `context`; its commands go, bound and in program order, to a ScriptHost (the scheduler).
export { ScriptRunner, DEFAULT_MEMORY_LIMIT_BYTES, DEFAULT_TIME_LIMIT_MS } from './script-runner.js';
export type {
  RejectedCall,
  ScriptCall,
  ScriptEnd,
  ScriptExecution,
  ScriptHost,
  ScriptOptions,
  ScriptRunnerOptions,
  WaitValue,
} from './types.js';

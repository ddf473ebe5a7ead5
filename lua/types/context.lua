---@meta
-- Type annotations for Lua measurement scripts run by the Instrument Script Server, for editors
-- with the Lua language server (LuaLS / sumneko). Add this folder to `workspace.library` in
-- `.luarc.json`:  { "workspace.library": ["node_modules/instrument-script-server/lua/types"] }
-- This file only describes the API; it is never loaded by the server.

---A value a command can return in a script:
---number (double; int64 arrives as a Lua integer), string, boolean, a table of numbers (small
---arrays), a BufferHandle (large arrays), or `true` for commands that return nothing.
---@alias CommandValue number|integer|string|boolean|number[]|BufferHandle|true

---A command issued in staged mode (or inside `context:parallel` in interactive mode) whose value
---is not there yet. `tostring(handle)` shows the target and the call's index, e.g.
---`<pending DAC1:1.SET_VOLTAGE #3>`.
---@class PendingHandle
---@field index integer Position of the call in the script's program order (from 0).
---@field target string The target as written, e.g. `"DAC1:1.SET_VOLTAGE"`.
local PendingHandle = {}

---Blocks the script until the command has completed and returns its value.
---A failed command returns nil and the error message (also recorded in the job's results).
---@return CommandValue|nil value
---@return string|nil error
function PendingHandle:wait() end

---A large array (e.g. a waveform) stored once on the server and referenced by id.
---@class BufferHandle
---@field buffer_id string
---@field element_count integer
---@field data_type "float32"|"float64"|"int8"|"int16"|"int32"|"int64"|"uint8"|"uint16"|"uint32"|"uint64"
local BufferHandle = {}

---Fetches the buffer's numbers from the server.
---@return number[]|nil values
---@return string|nil error
function BufferHandle:values() end

---The script's connection to the instruments.
---@class Context
---@field mode "staged"|"interactive" How this script runs: staged calls return handles, interactive calls return values.
context = {}

---Sends a command to an instrument: `"INST.VERB"`, or `"INST:CH.VERB"` to address channel CH
---(bound to the command's channel parameter).
---
---Arguments: positional arguments bind to the command's declared parameters in order; a single
---table with names binds by name (`context:call("SCOPE1.SET_TIMEBASE", {timebase = 1e-3})`);
---a single sequence (`{0.1, 0.2}`) is one array argument. Numbers: Lua integers and floats are
---both plain numbers to the server; an integer-valued float such as `3.0` is accepted by an
---`int` parameter, `2.5` is not. Omitted (nil) arguments take the parameter's default.
---
---Parameters are checked against the instrument's API before anything is sent. A call that does
---not fit (unknown instrument or command, missing/extra/ill-typed parameter, value outside
---min/max) returns nil and the error (`file:line: message`, also recorded) and the script goes on.
---
---Interactive mode: returns the command's value (`true` for commands without a value; nil and
---the error when it failed). Staged mode, and inside `context:parallel`: returns a PendingHandle.
---@param target string `"INST.VERB"` or `"INST:CH.VERB"`
---@param ... any Parameter values, or one table of named values
---@return CommandValue|PendingHandle|nil value
---@return string|nil error
function context:call(target, ...) end

---Runs `fn`, issuing all of its commands at once (commands for one instrument keep their order);
---nothing after the block starts before all of them have completed. Blocks cannot be nested.
---In interactive mode the calls inside return PendingHandles and the block returns once all
---have completed.
---@param fn fun()
function context:parallel(fn) end

---Waits for a PendingHandle and returns its value (nil and the error when the command failed).
---Any other value is returned unchanged, so scripts can run in both modes.
---@generic T
---@param handle PendingHandle|T
---@return CommandValue|T|nil value
---@return string|nil error
function context:wait(handle) end

---Writes a line to the job's log (arguments are joined with spaces).
---@param ... any
function context:log(...) end

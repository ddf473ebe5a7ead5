-- The Lua side of a measurement script's runtime: the global `context`, pending handles,
-- buffer handles, `print`, the sandbox and a `require` restricted to the allowed folders.
-- Loaded into every fresh Lua state by lua-session.ts (prepareEngine) with the host primitives
-- (JS functions), before a script is known; it returns the function that runs the user's chunk
-- in a mode. Each state runs one script only. Positions in messages come from
-- debug.getinfo, kept here as an upvalue before `debug` is taken away from scripts.
local host = ...
-- Set by the run function below: this state is prepared before the script (and its mode) is known.
local interactive = false

local host_call, host_rejected, host_wait, host_fetch = host.call, host.rejected, host.wait, host.fetch
local host_parallel_begin, host_parallel_end, host_barrier = host.parallelBegin, host.parallelEnd, host.barrier
local host_log, host_find_module, host_arm_flush_hook = host.log, host.findModule, host.armFlushHook

local getinfo, traceback = debug.getinfo, debug.traceback
local raw_load = load
local type, select, tostring, error, xpcall, pcall = type, select, tostring, error, xpcall, pcall
local setmetatable, getmetatable, rawget = setmetatable, getmetatable, rawget
local tointeger, concat, pack, unpack = math.tointeger, table.concat, table.pack, table.unpack
local co_create, co_resume, co_status, co_close = coroutine.create, coroutine.resume, coroutine.status, coroutine.close

-- Frames of this file are left out of positions and tracebacks.
local RUNTIME_SOURCE = '(context)'

local function user_position(level)
  while true do
    local info = getinfo(level + 1, 'Sl')
    if not info then return nil end
    if info.currentline and info.currentline > 0 and info.short_src ~= RUNTIME_SOURCE then
      return info.short_src, info.currentline
    end
    level = level + 1
  end
end

local function join(sep, ...)
  local n = select('#', ...)
  if n == 1 then return tostring((...)) end
  local parts = {}
  for i = 1, n do parts[i] = tostring((select(i, ...))) end
  return concat(parts, sep)
end

---------------------------------------------------------------------------------------------
-- Values coming back from the host: (ok, type, a, b, c) from host.wait → Lua values.

local Buffer = {}
Buffer.__index = Buffer
Buffer.__name = 'buffer'

function Buffer.__tostring(b)
  return ('<buffer %s: %d × %s>'):format(b.buffer_id, b.element_count, b.data_type)
end

--- Fetches the buffer's numbers from the server (a table of numbers), or nil and the error.
function Buffer.values(b)
  if getmetatable(b) ~= Buffer then error('buffer:values() must be called with a colon', 2) end
  local ok, values = host_fetch(b.buffer_id, b.data_type)
  if not ok then return nil, values end
  return values
end

local function to_lua(ok, rtype, a, b, c)
  if not ok then return nil, rtype end
  if rtype == 'double' then return a + 0.0
  elseif rtype == 'int64' then return tointeger(a) or a
  elseif rtype == 'void' then return true
  elseif rtype == 'buffer' then
    return setmetatable({ buffer_id = a, element_count = b, data_type = c }, Buffer)
  end
  return a -- string, bool, array (already a table)
end

---------------------------------------------------------------------------------------------
-- Pending handles (staged mode, and inside context:parallel in interactive mode).

local Handle = {}
Handle.__index = Handle
Handle.__name = 'pending'
local settled = setmetatable({}, { __mode = 'k' })

function Handle.__tostring(h)
  return ('<pending %s #%d>'):format(h.target, h.index)
end

--- Blocks until the call has completed; returns its value, or nil and the error when it failed.
function Handle.wait(h)
  if getmetatable(h) ~= Handle then error('handle:wait() must be called with a colon', 2) end
  local r = settled[h]
  if r == nil then
    r = pack(to_lua(host_wait(h.index)))
    settled[h] = r
  end
  return unpack(r, 1, r.n)
end

---------------------------------------------------------------------------------------------
-- context

local in_parallel = false
-- The traceback of an error raised inside a parallel block, kept for when it is re-raised.
local saved_error, saved_traceback = nil, nil


local context = {}

local function check_self(self, method)
  if self ~= context then
    error(('context.%s must be called with a colon: context:%s(...)'):format(method, method), 3)
  end
end

--- Sends a command: context:call("INST.VERB", ...) or context:call("INST:CH.VERB", ...).
function context.call(self, target, ...)
  check_self(self, 'call')
  local caller = getinfo(2, 'l') -- nil when context:call was tail-called from a coroutine's body
  local index, err = host_call(target, caller and caller.currentline, ...)
  if err ~= nil then
    return nil, host_rejected(index, (user_position(2)))
  end
  if interactive and not in_parallel then
    return to_lua(host_wait(index))
  end
  return setmetatable({ index = index, target = target }, Handle)
end

--- Waits for a pending handle; any other value is returned as it is.
function context.wait(self, handle)
  check_self(self, 'wait')
  if getmetatable(handle) == Handle then return handle:wait() end
  return handle
end

--- Runs fn with all its commands issued at once; everything after the block waits for them all.
function context.parallel(self, fn)
  check_self(self, 'parallel')
  if in_parallel then error('nested context:parallel is not allowed', 2) end
  if type(fn) ~= 'function' then error('context:parallel expects a function, got ' .. type(fn), 2) end
  in_parallel = true
  host_parallel_begin()
  -- The block runs as its own coroutine so that a coroutine.yield inside it cannot leave the
  -- block open (a yield across an xpcall would suspend it between begin and end).
  local co = co_create(fn)
  local ok, err = co_resume(co)
  if ok and co_status(co) ~= 'dead' then
    co_close(co)
    ok, err = false, nil
  end
  in_parallel = false
  host_parallel_end()
  if not ok then
    if err == nil then error('coroutine.yield inside a context:parallel block is not allowed', 2) end
    saved_error, saved_traceback = err, traceback(co, '', 0)
    error(err, 0)
  end
  if interactive then host_barrier() end
end

--- Writes a line to the job's log.
function context.log(self, ...)
  check_self(self, 'log')
  host_log('info', join(' ', ...))
end

---------------------------------------------------------------------------------------------
-- Sandbox

print = function(...) host_log('print', join('\t', ...)) end

local safe_os = { time = os.time, clock = os.clock, date = os.date, difftime = os.difftime }
os = safe_os
io = {
  -- io.write goes to the job log like print; there is no file access.
  write = function(...)
    local text = join('', ...)
    if text:sub(-1) == '\n' then text = text:sub(1, -2) end
    host_log('print', text)
  end,
}
dofile, loadfile = nil, nil
string.dump = nil
debug = { traceback = traceback }

--- load() for text chunks only (binary chunks could break the VM's guarantees).
load = function(chunk, name, _, ...)
  if select('#', ...) > 0 then return raw_load(chunk, name, 't', (...)) end
  return raw_load(chunk, name, 't')
end

local function module_searcher(name)
  local source, chunkname, refused = host_find_module(name)
  if refused then error(refused, 3) end
  if source == nil then return chunkname end -- the "no file ..." lines
  local fn, err = raw_load(source, '@' .. chunkname, 't')
  if not fn then error(err, 0) end
  return fn, chunkname
end

-- require("io") and friends would hand back the full libraries from package.loaded.
package.loaded.os, package.loaded.io, package.loaded.debug = os, io, debug
package.loadlib = nil
package.cpath = ''
package.path = ''
package.searchers = { package.searchers[1], module_searcher }
package.searchpath = nil

---------------------------------------------------------------------------------------------
-- Running the script

local function error_message(e)
  local t = type(e)
  if t == 'string' or t == 'number' then
    e = tostring(e)
  else
    local mt = getmetatable(e)
    if (t == 'table' and type(mt) == 'table' and rawget(mt, '__tostring')) or t == 'userdata' then
      local ok, s = pcall(tostring, e)
      e = ok and s or ('(error object is a ' .. t .. ' value)')
    else
      e = '(error object is a ' .. t .. ' value)'
    end
  end
  if not e:find('^[^\n]-:%d+: ') then
    local src, line = user_position(3)
    if src then e = src .. ':' .. line .. ': ' .. e end
  end
  return e
end

local final_traceback = ''

local function on_error(e)
  local message = error_message(e)
  if e ~= nil and e == saved_error then final_traceback = saved_traceback
  else final_traceback = traceback('', 2) end
  return message
end

_G.context = context

--- Runs the script; returns nil when it finished, else the message and the traceback.
return function(source, chunkname, mode)
  interactive = mode == 'interactive'
  context.mode = mode
  local fn, err = raw_load(source, '@' .. chunkname, 't')
  if not fn then return { error = err, traceback = '' } end
  host_arm_flush_hook()
  local ok, e = xpcall(fn, on_error)
  if ok then return nil end
  return { error = e, traceback = final_traceback }
end

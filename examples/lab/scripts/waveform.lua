-- Acquire a waveform: large arrays are stored once as a buffer and the result refers to it.
context:call("SCOPE1.SET_TIMEBASE", 1e-3)
local wf = context:wait(context:call("SCOPE1:1.GET_WAVEFORM"))
if type(wf) == "table" and wf.buffer_id then
  context:log(string.format("waveform stored as %s (%d points)", wf.buffer_id, wf.element_count))
end

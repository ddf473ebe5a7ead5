-- Set four gates at once: the commands inside the block run concurrently on their
-- instruments, and nothing after the block starts before all of them have completed.
context:parallel(function()
  context:call("DAC1:1.SET_VOLTAGE", 0.25)
  context:call("DAC1:2.SET_VOLTAGE", -0.25)
  context:call("DAC1:3.SET_VOLTAGE", {voltage = 0.5})   -- a table binds by name
  context:call("SCOPE1.SET_TIMEBASE", 1e-3)
end)
-- context:wait gives the value in both modes: staged jobs get a pending handle from
-- context:call, interactive ones (the CLI `measure`) the value itself.
local v = context:wait(context:call("DAC1:3.GET_VOLTAGE"))
print("gate 3 reads back", v)

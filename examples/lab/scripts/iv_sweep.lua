-- IV sweep: step DAC1 channel 1 and read the DMM after each step.
-- Every MEASURE runs after the SET_VOLTAGE written above it has completed (program order),
-- even though the two instruments run in separate worker processes.
context:log("IV sweep on DAC1:1 / DMM1")
local readings = {}
for step = 0, 10 do
  local v = step * 0.1
  context:call("DAC1:1.SET_VOLTAGE", v)
  readings[#readings + 1] = context:call("DMM1.MEASURE_CURRENT")
end
context:call("DAC1:1.SET_VOLTAGE", 0)
context:log(string.format("%d points taken", #readings))

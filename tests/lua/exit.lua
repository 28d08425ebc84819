-- os.exit from inside a call: the trace is still written.
local function finish(code)
  print("exiting with", code)
  os.exit(code)
end
finish(3)
print("not reached")

-- Reads its arguments, as arg and as ...; writes to stdout and stderr.
local n = select("#", ...)
print("n", n, "arg0", arg[0], "arg-1", arg[-1])
for i, a in ipairs(arg) do
  io.write(i, "=", a, "\n")
end
local first = ...
io.stderr:write("first is ", tostring(first), "\n")
io.stdout:write("bye\n")

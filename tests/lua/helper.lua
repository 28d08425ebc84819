-- A module for modules.lua.
local M = {}

function M.greet(name)
  return "hello, " .. name
end

function M.add(a, b)
  return a + b
end

return M

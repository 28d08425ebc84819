-- Varargs: ... as an argument, select, table.pack, forwarding.
local function sum(...)
  local s = 0
  for i = 1, select("#", ...) do
    s = s + select(i, ...)
  end
  return s
end

local function describe(label, ...)
  local packed = table.pack(...)
  return label .. ":" .. packed.n
end

local function forward(...)
  return sum(...)
end

print(sum(1, 2, 3))
print(describe("three", "a", nil, "c"))
print(forward(10, 20))
print(sum())

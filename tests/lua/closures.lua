-- Closures: upvalues shared between closures, closures made in a loop.
local function counter(start)
  local count = start
  local function inc(by)
    count = count + by
    return count
  end
  local function get()
    return count
  end
  return inc, get
end

local inc, get = counter(10)
inc(1)
inc(2)
print("count", get())

local adders = {}
for i = 1, 3 do
  adders[i] = function(x) return x + i end
end
local total = 0
for _, add in ipairs(adders) do
  total = add(total)
end
print("total", total)

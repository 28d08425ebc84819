-- Coroutines: a generator, values passed both ways, a coroutine that fails.
local function range(n)
  return coroutine.wrap(function()
    for i = 1, n do
      coroutine.yield(i)
    end
  end)
end

local sum = 0
for v in range(3) do
  sum = sum + v
end
print("sum", sum)

local co = coroutine.create(function(a)
  local b = coroutine.yield(a + 1)
  local c = coroutine.yield(b * 2)
  return a + b + c
end)
print(coroutine.resume(co, 1))
print(coroutine.resume(co, 10))
print(coroutine.resume(co, 100))
print(coroutine.status(co))

local bad = coroutine.create(function()
  coroutine.yield("first")
  error("inside")
end)
print(coroutine.resume(bad))
print(coroutine.resume(bad))

-- Multiple returns, no return value, tail calls.
local function divmod(a, b)
  return a // b, a % b
end

local function nothing()
end

local function last(n)
  if n == 0 then
    return "done", n
  end
  return last(n - 1)
end

local q, r = divmod(17, 5)
print(q, r)
nothing()
print(last(3))

-- Recursion: the call tree of fact and fib.
local function fact(n)
  if n <= 1 then
    return 1
  end
  return n * fact(n - 1)
end

function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end

local f = fact(4)
print("fact(4) =", f)
print("fib(6) =", fib(6))

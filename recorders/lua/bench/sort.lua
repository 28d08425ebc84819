-- CPU-bound: insertion sort of an array (loops dominate; the array is a
-- local visible at every step).
local n = tonumber(arg[1]) or 600
local a = {}
local seed = 42
for i = 1, n do
  seed = (seed * 1103515245 + 12345) % 2147483648
  a[i] = seed % 10000
end
local function sort(t)
  for i = 2, #t do
    local v = t[i]
    local j = i - 1
    while j >= 1 and t[j] > v do
      t[j + 1] = t[j]
      j = j - 1
    end
    t[j + 1] = v
  end
end
sort(a)
print(a[1], a[n // 2], a[n])

-- Values that change between steps: what the recorder caches must follow.
local t = {x = 1}
t.x = 2
t.y = {z = 3}
t.y.z = 4
setmetatable(t, {__name = "Klass"})
t.y = nil
local arr = {}
for i = 1, 70 do
  arr[#arr + 1] = i
end
arr[2] = "two"
arr.extra = true
local long = string.rep("ab", 600)
long = long .. "!"
local bytes = string.rep("\xff", 300)
local cut = "x" .. string.rep("\xc3\xa9", 600)
-- Strings and functions made and collected, their addresses reused.
local seen = 0
for i = 1, 40 do
  local s = string.rep(string.char(65 + i % 26), 700)
  local f = function() return i end
  seen = seen + #s + f()
  collectgarbage()
end
print(t.x, #arr, #long, #bytes, #cut, seen)

-- CPU-bound: string building (concatenation, format, table.concat).
local n = tonumber(arg[1]) or 20000
local parts = {}
local s = ""
for i = 1, n do
  local piece = string.format("%d:%x;", i, i * 7)
  parts[#parts + 1] = piece
  if i % 100 == 0 then
    s = s .. piece
  end
end
local joined = table.concat(parts)
print(#joined, #s)

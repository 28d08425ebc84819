-- Tables: arrays, records, nesting, cycles, metatables, long and odd strings.
local array = {10, 20, 30}
local record = {name = "lua", version = 5.4, stable = true}
local nested = {inner = {deeper = {deepest = {1}}}, list = {"a", "b"}}
local cyclic = {label = "me"}
cyclic.self = cyclic
local Point = {__name = "Point"}
Point.__index = Point
local p = setmetatable({x = 1, y = 2}, Point)
local big = {}
for i = 1, 100 do big[i] = i * i end
local mixed = {1, 2, key = "v", [true] = false}
local bytes = "caf\xe9"
local long = string.rep("x", 2000)
print(#array, record.name, nested.list[2], cyclic.self.label, p.x, #big, mixed.key, #bytes, #long)

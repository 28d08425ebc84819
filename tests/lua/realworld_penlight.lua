-- Penlight (Debian lua-penlight): List, tablex, stringx, class, pretty, test.
local List = require("pl.List")
local tablex = require("pl.tablex")
local stringx = require("pl.stringx")
local pretty = require("pl.pretty")
local class = require("pl.class")
local test = require("pl.test")

local l = List({5, 3, 8, 1})
l:sort()
print(l, l:len(), l:contains(8))
local doubled = tablex.map(function(x) return x * 2 end, {a = 1, b = 2})
print(doubled.a, doubled.b, pretty.write({1, {2, 3}}, ""))
local parts = stringx.split("alpha,beta,gamma", ",")
test.asserteq(parts, {"alpha", "beta", "gamma"})
print(stringx.join("+", parts), stringx.strip("  padded  "))

local Animal = class()
function Animal:_init(name) self.name = name end
function Animal:speak() return self.name .. " makes a sound" end
local Dog = class(Animal)
function Dog:speak() return self.name .. " barks" end
print(Animal("cat"):speak(), Dog("rex"):speak())

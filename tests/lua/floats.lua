-- Floats: finite ones, and the non-finite ones the 0.14 dialect records as text.
local half = 0.5
local inf = math.huge
local ninf = -math.huge
local nan = 0 / 0
local pair = {inf, nan}
print(half, inf > 0, ninf < 0, nan ~= nan, #pair)

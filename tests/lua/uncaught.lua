-- An error nobody catches: lua5.4 reports it and exits with status 1.
local function check(x)
  if x > 2 then
    error("x is too big: " .. x)
  end
  return x
end
for i = 1, 5 do
  print(check(i))
end

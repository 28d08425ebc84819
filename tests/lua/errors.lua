-- Errors caught with pcall and xpcall; execution goes on after them.
local function fail(msg)
  error(msg)
end

local function deep(n)
  if n == 0 then
    local t = nil
    return t.field -- runtime error: index a nil value
  end
  return deep(n - 1) + 1
end

local ok, err = pcall(fail, "boom")
print(ok, err)
ok, err = pcall(deep, 3)
print(ok, err)
ok, err = xpcall(fail, function(m) return "handled: " .. m end, "again")
print(ok, err)
ok, err = pcall(error, {code = 42})
print(ok, type(err), err.code)
local after = "still running"
print(after)

-- A module whose functions have secrets for names and arguments.
local M = {}
function M.get_token() return "sec-token-" .. string.rep("7", 6) end
function M.login(user, password) return user .. "@" .. #password end
return M

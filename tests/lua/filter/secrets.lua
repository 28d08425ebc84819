-- Secrets in locals, arguments, table fields, a global and a return value:
-- with the built-in default filter none of their values reaches the trace.
package.path = "./?.lua;" .. package.path
local m = require "secretmod"
API_KEY = "sec-global-" .. "api"
local db_password = "sec-local-pw"
local cfg = {host = "example.org", password = "sec-field-pw", nested = {auth_token = "sec-nested-tok"}}
local t = m.get_token()
local function use(x) return #x end
print(m.login("bob", "sec-arg-pw"), use(API_KEY), #db_password, cfg.host, #t)

-- require of a module next to the script, and code loaded from a string.
local helper = require("helper")
print(helper.greet("trace"))
local chunk = load("local a, b = ... return helper_add(a, b)")
function helper_add(a, b) return helper.add(a, b) end
print(chunk(2, 3))

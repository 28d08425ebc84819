-- dkjson (Debian lua-dkjson), driven through its public API.
local json = require("dkjson")
local doc = {
  name = "trace", version = 3, tags = {"a", "b", "c"},
  nested = {ok = true, ratio = 0.25, list = {1, 2, {deep = "yes"}}},
}
local text = json.encode(doc, {indent = true, keyorder = {"name", "version", "tags", "nested", "ok", "ratio", "list", "deep"}})
print(text)
local back, pos, err = json.decode(text)
print(back.name, back.version, #back.tags, back.nested.list[3].deep, pos, err)
local _, _, bad = json.decode("{\"unterminated\": [1, 2")
print("error:", bad)
print(json.encode({1, 2, 3, n = nil}), json.encode("quote\"and\\slash"))

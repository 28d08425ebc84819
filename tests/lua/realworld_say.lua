-- say (Debian lua-say): string tables with substitutions.
local say = require("say")
say:set_namespace("en")
say:set("greeting", "Hello %s, you have %d messages")
print(say("greeting", {"Ada", 3}))
say:set_namespace("fr")
say:set("greeting", "Bonjour %s, vous avez %d messages")
print(say("greeting", {"Ada", 4}))
print(say("missing"))

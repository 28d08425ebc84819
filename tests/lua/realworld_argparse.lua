-- argparse (Debian lua-argparse): parses the script's arguments; --help
-- prints the usage and calls os.exit(0) from inside the library.
local argparse = require("argparse")
local parser = argparse("realworld_argparse", "An example of argparse.")
parser:argument("input", "Input file.")
parser:option("-o --output", "Output file.", "a.out")
parser:option("-I --include", "Include locations."):count("*")
parser:flag("-v --verbose", "Sets verbosity level."):count("0-2"):target("verbosity")
local args = parser:parse()
print("input", args.input, "output", args.output, "verbosity", args.verbosity)
for i, inc in ipairs(args.include) do
  print("include", i, inc)
end

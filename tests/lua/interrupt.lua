-- Ctrl-C: the script has a shell send it a SIGINT while it waits in
-- p:close(); lua5.4 reports "interrupted!" and exits with status 1.
local n = 0
for i = 1, 3 do
  n = n + i
end
print("signalling")
local p = io.popen("sleep 0.5; kill -INT $PPID")
p:close()
print("not reached", n)

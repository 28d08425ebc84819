-- Ctrl-C: a SIGINT arrives while the script loops; lua5.4 reports
-- "interrupted!" and exits with status 1.
print("looping")
os.execute("(sleep 0.1; kill -INT $PPID) &")
local n = 0
while true do
  n = n + 1
end

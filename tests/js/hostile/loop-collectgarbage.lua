-- Full collections of a 300k-table heap in a loop: each collectgarbage() is one cheap
-- instruction for the VM but a long C call.
local keep = {}
for i = 1, 3e5 do keep[i] = {} end
while true do collectgarbage() end

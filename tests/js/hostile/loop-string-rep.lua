-- A loop of heavy C calls (4 MB string.rep each) with few VM instructions between them:
-- the deadline is checked every 1000 instructions, i.e. every ~300 of these calls.
while true do local s = string.rep('x', 4e6) end

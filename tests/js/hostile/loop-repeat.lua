-- Endless repeat ... until false, doing a little arithmetic.
local x = 0
repeat x = x + 1 until false

-- Exponential recursion through pcall: every level calls itself twice, catching overflows.
local function f() pcall(f); pcall(f) end
f()

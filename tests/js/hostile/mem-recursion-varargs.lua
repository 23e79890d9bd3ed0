-- Deep recursion with frames that grow by ten values each level.
local function f(...) return 1 + f(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...) end
return f()

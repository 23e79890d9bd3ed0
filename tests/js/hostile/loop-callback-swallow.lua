-- Re-enters Lua through a JS callback whose JS catches the nested limit error.
while true do nest('while true do end') end

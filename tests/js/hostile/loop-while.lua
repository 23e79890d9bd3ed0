-- Endless loop.
while true do end

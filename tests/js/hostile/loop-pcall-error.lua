-- Endlessly raising and catching errors.
while true do pcall(error, 'again') end

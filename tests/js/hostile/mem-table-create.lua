-- Memory bomb: Lua 5.5's table.create preallocating 100 million slots in one C call.
return table.create(1e8, 1e8)

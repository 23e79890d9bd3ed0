-- Resumes a coroutine created by an earlier host call (before this call's budget started).
while true do coroutine.resume(old_co) end

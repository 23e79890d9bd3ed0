-- Installs its own searcher that loads string.dump output in binary mode.
package.searchers[#package.searchers + 1] = function(name)
  local f, err = load(string.dump(function() return 'pwned' end), name, 'b')
  if not f then error(err, 0) end
  return f
end
return require('evilmod')

-- Puts a binary-loaded function into package.preload.
package.preload.evil = load(string.dump(function() return 'pwned' end), 'x', 'b')
return require('evil')

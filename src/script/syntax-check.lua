-- Compiles a script without running it (submit-time check). Returns nil or "file:line: message".
return function(source, chunkname)
  local _, err = load(source, '@' .. chunkname, 't', {})
  return err
end

-- Drives `weft lsp` through Neovim's own LSP client (Neovim 0.7 API): the diagnostic of
-- hello.flow must arrive at the right position, hover and definition must answer correctly,
-- definition must jump into the imported common.flow, and completion after `contact.` must offer
-- the record's fields; formatting through the server must give `weft fmt`'s text; the "run test"
-- code lens must be listed and its command must show the test's failure as a diagnostic.
-- Results go to stdout (in headless mode `print` goes to stderr); exit status 0 = pass.
local weft = os.getenv("WEFT_BIN")
local file = os.getenv("FLOW_FILE")
local failures = 0

local function say(s) io.stdout:write(s .. "\n") end
local function check(what, ok, detail)
  if ok then say("ok   " .. what) else
    failures = failures + 1
    say("FAIL " .. what .. ": " .. tostring(detail))
  end
end

vim.cmd("edit " .. vim.fn.fnameescape(file))
local bufnr = vim.api.nvim_get_current_buf()
local client_id = vim.lsp.start_client({
  name = "weft",
  cmd = { weft, "lsp" },
  root_dir = vim.fn.fnamemodify(file, ":h"),
})
check("client started", client_id ~= nil, "start_client returned nil")
vim.lsp.buf_attach_client(bufnr, client_id)

-- 1. The diagnostic for `missing_name` (after an emoji: UTF-16 and byte columns differ).
local got = vim.wait(20000, function() return #vim.diagnostic.get(bufnr) > 0 end, 50)
check("diagnostics arrived", got, "no diagnostics within 20 s")
local diags = vim.diagnostic.get(bufnr)
local found = nil
for _, d in ipairs(diags) do
  if d.message:find("missing_name", 1, true) then found = d end
end
check("undefined name reported", found ~= nil, vim.inspect(diags))
if found then
  -- vim.diagnostic positions are 0-based lines and byte columns.
  local line = vim.api.nvim_buf_get_lines(bufnr, found.lnum, found.lnum + 1, false)[1]
  local want_col = line:find("missing_name", 1, true) - 1
  check("diagnostic line", found.lnum == 7, found.lnum)
  check("diagnostic column", found.col == want_col, "got " .. found.col .. ", want " .. want_col)
  check("diagnostic end column", found.end_col == want_col + #"missing_name", found.end_col)
  check("diagnostic code", tostring(found.code) == "E0101", found.code)
end

local client = vim.lsp.get_client_by_id(client_id)
local uri = vim.uri_from_bufnr(bufnr)

-- 2. Hover on the use of `greet` (line 6, `  let g = greet(who)`).
local hover = client.request_sync("textDocument/hover",
  { textDocument = { uri = uri }, position = { line = 6, character = 11 } }, 10000, bufnr)
local value = hover and hover.result and hover.result.contents and hover.result.contents.value or ""
check("hover signature", value:find("fn greet(name: string) -> string", 1, true) ~= nil, value)
check("hover doc comment", value:find("Greets someone.", 1, true) ~= nil, value)

-- 3. Definition of `greet` from its use: line 3, character 3.
local def = client.request_sync("textDocument/definition",
  { textDocument = { uri = uri }, position = { line = 6, character = 11 } }, 10000, bufnr)
local loc = def and def.result
if loc and loc[1] then loc = loc[1] end
check("definition uri", loc and loc.uri == uri, vim.inspect(loc))
check("definition position", loc and loc.range and loc.range.start.line == 3 and loc.range.start.character == 3,
  vim.inspect(loc))

-- 4. Definition across files: `common.Contact` (line 11) jumps to `type Contact` in common.flow.
local sync_line = vim.api.nvim_buf_get_lines(bufnr, 11, 12, false)[1]
local def2 = client.request_sync("textDocument/definition",
  { textDocument = { uri = uri }, position = { line = 11, character = sync_line:find("Contact)", 1, true) } },
  10000, bufnr)
local loc2 = def2 and def2.result
if loc2 and loc2[1] then loc2 = loc2[1] end
local common_uri = vim.uri_from_fname(vim.fn.fnamemodify(file, ":h") .. "/common.flow")
check("cross-file definition uri", loc2 and loc2.uri == common_uri, vim.inspect(loc2) .. " want " .. common_uri)
check("cross-file definition position",
  loc2 and loc2.range and loc2.range.start.line == 1 and loc2.range.start.character == 5, vim.inspect(loc2))

-- 5. Completion after `contact.` (line 12, `  return contact.email`) offers Contact's fields.
local ret_line = vim.api.nvim_buf_get_lines(bufnr, 12, 13, false)[1]
local after_dot = ret_line:find("contact.", 1, true) + #"contact." - 1
local comp = client.request_sync("textDocument/completion",
  { textDocument = { uri = uri }, position = { line = 12, character = after_dot } }, 10000, bufnr)
local items = comp and comp.result or {}
if items.items then items = items.items end
local labels = {}
for _, it in ipairs(items) do labels[it.label] = true end
check("completion offers the record's fields", labels["id"] and labels["email"] and labels["first_name"],
  vim.inspect(vim.tbl_keys(labels)))

-- 6. Formatting through the server: messy.flow (an emoji before the changes) becomes exactly what
-- `weft fmt` writes for the same file. Neovim 0.8+ has vim.lsp.buf.format; 0.7 formatting_sync.
local dir = vim.fn.fnamemodify(file, ":h")
local messy, ref = dir .. "/messy.flow", dir .. "/messy_ref.flow"
vim.fn.writefile(vim.fn.readfile(messy, "b"), ref, "b")
vim.fn.system({ weft, "fmt", ref })
check("weft fmt ran", vim.v.shell_error == 0, vim.v.shell_error)
local want = vim.fn.readfile(ref)
local before = vim.fn.readfile(messy)
check("the file needs formatting", not vim.deep_equal(before, want), "messy.flow is already formatted")
vim.cmd("edit " .. vim.fn.fnameescape(messy))
local messy_buf = vim.api.nvim_get_current_buf()
vim.lsp.buf_attach_client(messy_buf, client_id)
if vim.lsp.buf.format then
  vim.lsp.buf.format({ bufnr = messy_buf, timeout_ms = 10000 })
else
  vim.lsp.buf.formatting_sync(nil, 10000)
end
local got_lines = vim.api.nvim_buf_get_lines(messy_buf, 0, -1, false)
check("formatting gives weft fmt's text", vim.deep_equal(got_lines, want),
  "got:\n" .. table.concat(got_lines, "\n") .. "\nwant:\n" .. table.concat(want, "\n"))

-- 7. The "run test" code lens: listed on the `test` line, and its command (run through
-- vim.lsp.buf.execute_command) puts the failure on the failing `expect` as a diagnostic.
local tested = dir .. "/tested.flow"
vim.cmd("edit " .. vim.fn.fnameescape(tested))
local tested_buf = vim.api.nvim_get_current_buf()
vim.lsp.buf_attach_client(tested_buf, client_id)
local tested_uri = vim.uri_from_bufnr(tested_buf)
local lens = client.request_sync("textDocument/codeLens", { textDocument = { uri = tested_uri } }, 10000, tested_buf)
local lenses = lens and lens.result or {}
check("one code lens", #lenses == 1, vim.inspect(lenses))
local cmd = lenses[1] and lenses[1].command
check("code lens on the test line", lenses[1] and lenses[1].range.start.line == 2, vim.inspect(lenses[1]))
check("code lens command", cmd and cmd.command == "weft.runTest" and cmd.arguments[2] == "adds wrongly", vim.inspect(cmd))
if cmd then vim.lsp.buf.execute_command({ command = cmd.command, arguments = cmd.arguments }) end
local test_diag = nil
vim.wait(20000, function()
  for _, d in ipairs(vim.diagnostic.get(tested_buf)) do
    if d.source == "weft test" then test_diag = d end
  end
  return test_diag ~= nil
end, 50)
check("test failure as a diagnostic", test_diag ~= nil, vim.inspect(vim.diagnostic.get(tested_buf)))
if test_diag then
  check("test failure on the expect line", test_diag.lnum == 4 and test_diag.col == 2, test_diag.lnum .. ":" .. test_diag.col)
  check("test failure shows the operand", test_diag.message:find("add(x, 1) is 3", 1, true) ~= nil, test_diag.message)
end

client.stop()
vim.wait(5000, function() return client.is_stopped() end, 50)
say(failures == 0 and "PASS" or ("FAILED: " .. failures))
if failures == 0 then vim.cmd("qall!") else vim.cmd("cquit 1") end

#include "server/module_source.h"

#include "compiler/diagnostics/render.h"
#include "compiler/driver/driver.h"

namespace weft::server {

CompiledModule compile_module(const std::string& name, const std::string& text, bool allow_imports) {
  CompiledModule out;
  // Modules sent to the API have no directory to import from: an in-memory resolver with no files
  // makes every import an "unreadable file" diagnostic.
  driver::MemoryResolver none;
  driver::FileResolver files;
  driver::Resolver& resolver = allow_imports ? static_cast<driver::Resolver&>(files) : none;
  driver::Compilation c = driver::compile_source(name, text, resolver);
  for (const auto& d : c.diagnostics().all()) {
    out.diagnostics.push_back(diagnostics::to_json(d));
    out.text += diagnostics::render_text(d);
  }
  if (c.has_errors()) {
    size_t n = c.diagnostics().error_count();
    out.message = std::to_string(n) + " error" + (n == 1 ? "" : "s");
    for (const auto& d : c.diagnostics().all())
      if (d.severity == diagnostics::Severity::Error) {
        out.message += ": " + d.message;
        break;
      }
    return out;
  }
  if (!c.module()) {
    out.message = "internal error: " + (c.lowered && !c.lowered->errors.empty() ? c.lowered->errors.front()
                                                                                : std::string("lowering failed"));
    out.text = out.message + "\n";
    return out;
  }
  out.module = std::make_shared<const ir::Module>(std::move(c.lowered->module));
  return out;
}

}  // namespace weft::server

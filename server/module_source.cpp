#include "server/module_source.h"

#include "compiler/diagnostics/render.h"
#include "compiler/ir/lower.h"
#include "compiler/sema/check.h"

namespace weft::server {

namespace {

/// A loader for modules sent over the API: they have no directory to import from.
class NoImports : public sema::Loader {
 public:
  bool read(const std::string&, std::string&, std::string& error) override {
    error = "imports are not available to a module deployed through the API (deploy one self-contained module)";
    return false;
  }
};

}  // namespace

CompiledModule compile_module(const std::string& name, const std::string& text, bool allow_imports) {
  CompiledModule out;
  auto source = std::make_shared<const diagnostics::SourceFile>(name, text);
  NoImports none;
  sema::FileLoader files;
  sema::Loader& loader = allow_imports ? static_cast<sema::Loader&>(files) : none;
  sema::CheckedProgram program = sema::check_source(source, loader);
  for (const auto& d : program.diagnostics.all()) {
    out.diagnostics.push_back(diagnostics::to_json(d));
    out.text += diagnostics::render_text(d);
  }
  if (program.has_errors()) {
    size_t n = program.diagnostics.error_count();
    out.message = std::to_string(n) + " error" + (n == 1 ? "" : "s");
    for (const auto& d : program.diagnostics.all())
      if (d.severity == diagnostics::Severity::Error) {
        out.message += ": " + d.message;
        break;
      }
    return out;
  }
  auto lowered = ir::lower(program);
  if (!lowered.errors.empty()) {
    out.message = "internal error: " + lowered.errors.front();
    out.text = out.message + "\n";
    return out;
  }
  out.module = std::make_shared<const ir::Module>(std::move(lowered.module));
  return out;
}

}  // namespace weft::server

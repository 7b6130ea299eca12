#include "server/module_source.h"

#include "compiler/diagnostics/render.h"
#include "compiler/driver/driver.h"

#include <filesystem>

namespace weft::server {

namespace {

namespace fs = std::filesystem;

CompiledModule from_compilation(driver::Compilation c) {
  CompiledModule out;
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

}  // namespace

CompiledModule compile_module(const std::string& name, const std::string& text, const ModuleFiles& files) {
  driver::MemoryResolver resolver;
  fs::path dir = fs::path(name).parent_path();
  for (const auto& [path, content] : files) resolver.add((dir / path).generic_string(), content);
  return from_compilation(driver::compile_source(name, text, resolver));
}

CompiledModule compile_module_on_disk(const std::string& path, const std::string& text) {
  driver::FileResolver files;
  return from_compilation(driver::compile_source(path, text, files));
}

ModuleFiles module_files(const std::string& path, const std::string& text) {
  driver::FileResolver disk;
  driver::RecordingResolver recording(disk);
  driver::Options check_only;
  check_only.lower = false;
  driver::compile_source(path, text, recording, check_only);
  ModuleFiles out;
  fs::path dir = fs::path(path).lexically_normal().parent_path();
  for (const auto& [read, content] : recording.files())
    out[fs::path(read).lexically_relative(dir).generic_string()] = content;
  return out;
}

}  // namespace weft::server

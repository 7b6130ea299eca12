#include "compiler/driver/driver.h"

#include <filesystem>
#include <memory>
#include <utility>

namespace weft::driver {

namespace {

std::string normalise(const std::string& p) {
  std::string n = std::filesystem::path(p).lexically_normal().generic_string();
  return n.empty() ? p : n;
}

}  // namespace

MemoryResolver::MemoryResolver(const std::map<std::string, std::string>& files) {
  for (const auto& [path, text] : files) add(path, text);
}

void MemoryResolver::add(const std::string& path, std::string text) { files_[normalise(path)] = std::move(text); }

bool MemoryResolver::read(const std::string& path, std::string& text, std::string& error) {
  auto it = files_.find(normalise(path));
  if (it == files_.end()) {
    error = "No such file or directory";
    return false;
  }
  text = it->second;
  return true;
}

bool RecordingResolver::read(const std::string& path, std::string& text, std::string& error) {
  if (!inner_.read(path, text, error)) return false;
  files_[normalise(path)] = text;
  return true;
}

const ir::Module* Compilation::module() const {
  if (has_errors() || !lowered || !lowered->errors.empty()) return nullptr;
  return &lowered->module;
}

namespace {

/// The stage after checking: lowering, when asked for and the program is free of errors.
Compilation finish(sema::CheckedProgram program, const Options& options) {
  Compilation c;
  c.program = std::move(program);
  if (options.lower && !c.program.has_errors()) c.lowered = lower::lower(c.program);
  return c;
}

}  // namespace

Compilation compile_source(diagnostics::SourcePtr source, Resolver& resolver, const Options& options) {
  return finish(sema::check_source(std::move(source), resolver, options.cache), options);
}

Compilation compile_source(const std::string& name, std::string text, Resolver& resolver, const Options& options) {
  return compile_source(std::make_shared<diagnostics::SourceFile>(name, std::move(text)), resolver, options);
}

Compilation compile_source(const std::string& name, std::string text, const Options& options) {
  FileResolver files;
  return compile_source(name, std::move(text), files, options);
}

Compilation compile_file(const std::string& path, Resolver& resolver, const Options& options) {
  return finish(sema::check_file(path, resolver, options.cache), options);
}

Compilation compile_file(const std::string& path, const Options& options) {
  FileResolver files;
  return compile_file(path, files, options);
}

}  // namespace weft::driver

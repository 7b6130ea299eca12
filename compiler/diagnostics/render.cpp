#include "compiler/diagnostics/render.h"

#include <boost/json/serialize.hpp>

namespace weft::diagnostics {
namespace {

struct Loc {
  LineCol begin, end;
};

Loc locate(const Range& r) {
  if (!r.file) return {};
  return {r.file->line_col(r.begin), r.file->line_col(r.end)};
}

std::string gutter(size_t width) { return std::string(width, ' '); }

// Prints `NN | source` and a caret line under [begin, end) on that line.
void snippet(std::string& out, const Range& r, const std::string& label, size_t width, bool primary) {
  Loc l = locate(r);
  std::string_view text = r.file->line_text(l.begin.line);
  std::string num = std::to_string(l.begin.line);
  out += num + gutter(width - num.size()) + " | " + std::string(text) + "\n";
  size_t start = l.begin.column - 1;
  size_t stop = l.end.line == l.begin.line ? l.end.column - 1 : text.size();
  if (stop <= start) stop = start + 1;
  std::string pad;
  for (size_t i = 0; i < start && i < text.size(); ++i) pad += text[i] == '\t' ? '\t' : ' ';
  out += gutter(width) + " | " + pad + std::string(stop - start, primary ? '^' : '-');
  if (!label.empty()) out += " " + label;
  out += "\n";
}

}  // namespace

std::string render_text(const Diagnostic& d, bool color) {
  std::string out;
  std::string sev(severity_name(d.severity));
  std::string head = sev + "[" + std::string(info(d.code).id) + "]";
  if (color) head = (d.severity == Severity::Error ? "\x1b[1;31m" : "\x1b[1;33m") + head + "\x1b[0m";
  out += head + ": " + d.message + "\n";
  if (d.range.file) {
    Loc l = locate(d.range);
    size_t width = std::to_string(l.begin.line).size();
    for (const auto& n : d.notes)
      if (n.range && n.range->file) width = std::max(width, std::to_string(locate(*n.range).begin.line).size());
    out += gutter(width) + "--> " + d.range.file->path() + ":" + std::to_string(l.begin.line) + ":" +
           std::to_string(l.begin.column) + "\n";
    out += gutter(width) + " |\n";
    snippet(out, d.range, d.label, width, true);
    for (const auto& n : d.notes) {
      if (n.range && n.range->file) {
        Loc nl = locate(*n.range);
        out += gutter(width) + " = note: " + n.message + "\n";
        out += gutter(width) + "--> " + n.range->file->path() + ":" + std::to_string(nl.begin.line) + ":" +
               std::to_string(nl.begin.column) + "\n";
        snippet(out, *n.range, "", width, false);
      } else {
        out += gutter(width) + " = note: " + n.message + "\n";
      }
    }
    if (d.fix) out += gutter(width) + " = help: " + d.fix->message + "\n";
  } else {
    for (const auto& n : d.notes) out += "  = note: " + n.message + "\n";
    if (d.fix) out += "  = help: " + d.fix->message + "\n";
  }
  return out;
}

static boost::json::object range_json(const Range& r) {
  Loc l = locate(r);
  return {{"start", {{"line", l.begin.line}, {"column", l.begin.column}}},
          {"end", {{"line", l.end.line}, {"column", l.end.column}}}};
}

boost::json::value to_json(const Diagnostic& d) {
  boost::json::object o;
  o["code"] = info(d.code).id;
  o["severity"] = severity_name(d.severity);
  o["file"] = d.range.file ? d.range.file->path() : "";
  o["range"] = range_json(d.range);
  o["message"] = d.message;
  if (!d.label.empty()) o["label"] = d.label;
  boost::json::array notes;
  for (const auto& n : d.notes) {
    boost::json::object no{{"message", n.message}};
    if (n.range && n.range->file) {
      no["file"] = n.range->file->path();
      no["range"] = range_json(*n.range);
    }
    notes.push_back(std::move(no));
  }
  o["notes"] = std::move(notes);
  if (d.fix)
    o["fix"] = {{"range", range_json(d.fix->range)}, {"replacement", d.fix->replacement}, {"message", d.fix->message}};
  else
    o["fix"] = nullptr;
  return o;
}

std::string render_json_line(const Diagnostic& d) { return boost::json::serialize(to_json(d)); }

}  // namespace weft::diagnostics

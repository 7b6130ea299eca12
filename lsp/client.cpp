#include "lsp/client.h"

#include <boost/json/serialize.hpp>
#include <stdexcept>

#include "lsp/protocol.h"
#include "lsp/text.h"

namespace weft::lsp {

namespace json = boost::json;

ServerOptions ScriptedClient::test_options() {
  ServerOptions o;
  o.debounce = std::chrono::milliseconds(0);
  return o;
}

ScriptedClient::ScriptedClient(ServerOptions options) {
  server_ = std::make_unique<Server>([this](const json::value& m) { on_message(m); }, std::move(options));
}

ScriptedClient::~ScriptedClient() { server_.reset(); }

void ScriptedClient::on_message(const json::value& m) {
  {
    std::lock_guard lock(mu_);
    all_.push_back(m);
    if (m.is_object() && m.get_object().contains("method"))
      notifications_.push_back(m);
    else
      responses_.push_back(m);
  }
  cv_.notify_all();
}

int64_t ScriptedClient::send_request(std::string_view method, json::value params) {
  int64_t id;
  {
    std::lock_guard lock(mu_);
    id = next_id_++;
  }
  json::object msg{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
  server_->receive(json::serialize(msg));
  return id;
}

json::value ScriptedClient::wait_response(int64_t id) {
  std::unique_lock lock(mu_);
  json::value found;
  bool ok = cv_.wait_for(lock, kWaitLimit, [&] {
    for (auto it = responses_.begin(); it != responses_.end(); ++it) {
      const json::value* rid = it->get_object().if_contains("id");
      if (rid && rid->is_int64() && rid->get_int64() == id) {
        found = *it;
        responses_.erase(it);
        return true;
      }
    }
    return false;
  });
  if (!ok) throw std::runtime_error("no response to request " + std::to_string(id));
  return found;
}

json::value ScriptedClient::request(std::string_view method, json::value params) {
  return wait_response(send_request(method, std::move(params)));
}

json::value ScriptedClient::call(std::string_view method, json::value params) {
  json::value r = request(method, std::move(params));
  if (const json::value* err = r.get_object().if_contains("error"))
    throw std::runtime_error(std::string(method) + " failed: " + json::serialize(*err));
  return r.get_object().at("result");
}

void ScriptedClient::notify(std::string_view method, json::value params) {
  json::object msg{{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
  server_->receive(json::serialize(msg));
}

void ScriptedClient::send_raw(std::string_view body) { server_->receive(body); }

json::value ScriptedClient::wait_notification(std::string_view method, std::function<bool(const json::value&)> pred) {
  std::unique_lock lock(mu_);
  json::value found;
  bool ok = cv_.wait_for(lock, kWaitLimit, [&] {
    for (auto it = notifications_.begin(); it != notifications_.end(); ++it) {
      const auto& o = it->get_object();
      if (o.at("method").as_string() != method) continue;
      const json::value* params = o.if_contains("params");
      if (pred && !pred(params ? *params : json::value())) continue;
      found = params ? *params : json::value();
      notifications_.erase(it);
      return true;
    }
    return false;
  });
  if (!ok) throw std::runtime_error("no `" + std::string(method) + "` notification arrived");
  return found;
}

json::value ScriptedClient::wait_diagnostics(const std::string& uri, int64_t version) {
  return wait_notification("textDocument/publishDiagnostics", [&](const json::value& p) {
    const auto& o = p.get_object();
    const json::value* v = o.if_contains("version");
    return o.at("uri").as_string() == uri && v && v->is_int64() && v->get_int64() == version;
  });
}

std::vector<json::value> ScriptedClient::received() const {
  std::lock_guard lock(mu_);
  return all_;
}

void ScriptedClient::discard_responses() {
  std::lock_guard lock(mu_);
  responses_.clear();
}

std::vector<json::value> ScriptedClient::take_unsolicited() {
  std::lock_guard lock(mu_);
  std::vector<json::value> out, keep;
  for (auto& r : responses_) {
    const json::value* id = r.is_object() ? r.get_object().if_contains("id") : nullptr;
    bool ours = id && id->is_int64() && id->get_int64() > 0 && id->get_int64() < next_id_;
    (ours ? keep : out).push_back(std::move(r));
  }
  responses_ = std::move(keep);
  return out;
}

json::value ScriptedClient::initialize(const std::string& root_path) {
  json::object params{{"processId", nullptr}, {"capabilities", json::object{}}};
  if (!root_path.empty()) {
    params["rootUri"] = path_to_uri(root_path);
    params["workspaceFolders"] = json::array{json::object{{"uri", path_to_uri(root_path)}, {"name", "root"}}};
  } else {
    params["rootUri"] = nullptr;
  }
  json::value r = call("initialize", std::move(params));
  notify("initialized", json::object{});
  return r;
}

void ScriptedClient::open(const std::string& uri, const std::string& text, int64_t version) {
  notify("textDocument/didOpen",
         json::object{{"textDocument",
                       json::object{{"uri", uri}, {"languageId", "weft"}, {"version", version}, {"text", text}}}});
}

void ScriptedClient::change(const std::string& uri, int64_t version, const std::string& text) {
  notify("textDocument/didChange",
         json::object{{"textDocument", json::object{{"uri", uri}, {"version", version}}},
                      {"contentChanges", json::array{json::object{{"text", text}}}}});
}

void ScriptedClient::shutdown() {
  call("shutdown", nullptr);
  notify("exit", nullptr);
}

json::value position_of(std::string_view text, std::string_view needle, int delta) {
  size_t at = text.find(needle);
  if (at == std::string_view::npos) throw std::runtime_error("text has no `" + std::string(needle) + "`");
  LineIndex index(text);
  Position p = index.position(static_cast<uint32_t>(at));
  p.character = static_cast<uint32_t>(static_cast<int>(p.character) + delta);
  return to_json(p);
}

}  // namespace weft::lsp

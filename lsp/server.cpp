#include "lsp/server.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "lsp/handlers.h"
#include "lsp/protocol.h"

namespace weft::lsp {

namespace json = boost::json;

namespace {

bool valid_id(const json::value& id) { return id.is_string() || id.is_int64() || id.is_uint64() || id.is_null(); }

}  // namespace

Server::Server(Sink sink, ServerOptions options)
    : sink_(std::move(sink)), options_(std::move(options)) {
  handlers_ = std::make_unique<Handlers>([this](const json::value& m) { send(m); },
                                         [this](const std::string& uri) { schedule_analysis(uri); },
                                         options_.weft_executable, options_.test_timeout);
  worker_ = std::thread([this] { worker_loop(); });
  analyser_ = std::thread([this] { analysis_loop(); });
}

Server::~Server() {
  handlers_->stop_test_runs();  // its thread sends and schedules analyses through this object
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    for (auto& [_, flag] : pending_) flag->store(true);
  }
  cv_.notify_all();
  {
    std::lock_guard lock(amu_);
    astop_ = true;
  }
  acv_.notify_all();
  worker_.join();
  analyser_.join();
}

void Server::send(const json::value& message) {
  try {
    sink_(message);
  } catch (...) {
    // A sink that fails (closed pipe) must not take the server down.
  }
}

std::string Server::id_key(const json::value& id) { return json::serialize(id); }

void Server::bad_frame(std::string_view why) {
  send(error_response(nullptr, ErrorCode::ParseError, std::string("invalid message header: ") + std::string(why)));
}

void Server::receive(std::string_view body) {
  json::parse_options opts;
  opts.max_depth = 64;
  json::value msg;
  try {
    boost::system::error_code bec;
    msg = json::parse(body, bec, {}, opts);
    if (bec) {
      send(error_response(nullptr, ErrorCode::ParseError, "parse error: " + bec.message()));
      return;
    }
  } catch (const std::exception& e) {
    send(error_response(nullptr, ErrorCode::ParseError, std::string("parse error: ") + e.what()));
    return;
  }
  if (msg.is_array()) {
    send(error_response(nullptr, ErrorCode::InvalidRequest, "batch messages are not supported"));
    return;
  }
  if (!msg.is_object()) {
    send(error_response(nullptr, ErrorCode::InvalidRequest, "a message must be a JSON object"));
    return;
  }
  auto& obj = msg.get_object();
  const json::value* id = obj.if_contains("id");
  json::value reply_id = id && valid_id(*id) ? *id : json::value(nullptr);
  const json::value* version = obj.if_contains("jsonrpc");
  if (!version || !version->is_string() || version->get_string() != "2.0") {
    send(error_response(reply_id, ErrorCode::InvalidRequest, "`jsonrpc` must be \"2.0\""));
    return;
  }
  if (id && !valid_id(*id)) {
    send(error_response(nullptr, ErrorCode::InvalidRequest, "`id` must be a string or an integer"));
    return;
  }
  const json::value* method = obj.if_contains("method");
  if (!method) {
    if (id && (obj.contains("result") || obj.contains("error"))) return;  // a response to us: nothing awaits it
    send(error_response(reply_id, ErrorCode::InvalidRequest, "a request needs a `method`"));
    return;
  }
  if (!method->is_string()) {
    send(error_response(reply_id, ErrorCode::InvalidRequest, "`method` must be a string"));
    return;
  }
  if (const json::value* params = obj.if_contains("params"); params && !params->is_object() && !params->is_array() &&
                                                      !params->is_null()) {
    if (id) send(error_response(reply_id, ErrorCode::InvalidParams, "`params` must be an object or an array"));
    return;
  }
  std::string_view name = method->get_string();
  if (name == "$/cancelRequest") {
    const json::value* params = obj.if_contains("params");
    const json::value* target = params && params->is_object() ? params->get_object().if_contains("id") : nullptr;
    if (target) {
      std::lock_guard lock(mu_);
      if (auto it = pending_.find(id_key(*target)); it != pending_.end()) it->second->store(true);
    }
    return;
  }
  if (name == "exit" && !id) {
    // Everything received before `exit` (a pending shutdown in particular) is handled first.
    std::unique_lock lock(mu_);
    idle_cv_.wait(lock, [&] { return stop_ || (queue_.empty() && !busy_); });
    exited_ = true;
    return;
  }
  Item item{std::move(msg), nullptr};
  {
    std::lock_guard lock(mu_);
    if (id) {
      item.cancel = std::make_shared<std::atomic<bool>>(false);
      pending_[id_key(*id)] = item.cancel;
    }
    queue_.push_back(std::move(item));
  }
  cv_.notify_all();
}

void Server::worker_loop() {
  for (;;) {
    Item item;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      item = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
    }
    handle(item);
    {
      std::lock_guard lock(mu_);
      if (const json::value* id = item.message.get_object().if_contains("id")) pending_.erase(id_key(*id));
      busy_ = false;
      idle_cv_.notify_all();
    }
  }
}

void Server::handle(Item& item) {
  const auto& obj = item.message.get_object();
  std::string method(obj.at("method").get_string());
  static const json::value empty = json::object{};
  const json::value* params_ptr = obj.if_contains("params");
  const json::value& params = params_ptr && !params_ptr->is_null() ? *params_ptr : empty;
  const json::value* id = obj.if_contains("id");

  if (!id) {  // notification
    if (!initialized_ || shutdown_) return;
    try {
      handlers_->notify(method, params);
    } catch (const std::exception& e) {
      send(notification("window/logMessage",
                        json::object{{"type", 1}, {"message", method + ": " + e.what()}}));
    }
    return;
  }
  if (options_.before_request) options_.before_request(*id, method);
  if (item.cancel->load()) {
    send(error_response(*id, ErrorCode::RequestCancelled, "request cancelled"));
    return;
  }
  if (method == "initialize") {
    if (initialized_) {
      send(error_response(*id, ErrorCode::InvalidRequest, "initialize was already received"));
      return;
    }
  } else if (!initialized_) {
    send(error_response(*id, ErrorCode::ServerNotInitialized, "the server is not initialized"));
    return;
  } else if (shutdown_) {
    send(error_response(*id, ErrorCode::InvalidRequest, "the server is shutting down"));
    return;
  }
  if (method == "shutdown") {
    shutdown_ = true;
    send(result_response(*id, nullptr));
    return;
  }
  if (!handlers_->has_request(method)) {
    send(error_response(*id, ErrorCode::MethodNotFound, "unknown method `" + method + "`"));
    return;
  }
  try {
    json::value result = handlers_->request(method, params, *item.cancel);
    if (method == "initialize") initialized_ = true;
    send(result_response(*id, std::move(result)));
  } catch (const ParamError& e) {
    send(error_response(*id, ErrorCode::InvalidParams, e.what()));
  } catch (const Cancelled&) {
    send(error_response(*id, ErrorCode::RequestCancelled, "request cancelled"));
  } catch (const std::exception& e) {
    send(error_response(*id, ErrorCode::InternalError, std::string("internal error: ") + e.what()));
  } catch (...) {
    send(error_response(*id, ErrorCode::InternalError, "internal error"));
  }
}

void Server::schedule_analysis(const std::string& uri) {
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(amu_);
    auto [last, first_change] = last_change_.try_emplace(uri, now);
    bool quiet = first_change || now - last->second >= options_.debounce;
    last->second = now;
    auto [it, fresh] = analyses_pending_.try_emplace(uri, PendingAnalysis{now, now});
    if (fresh)
      it->second.due = quiet ? now : now + options_.debounce;  // an isolated change starts at once
    else
      it->second.due = std::min(now + options_.debounce, it->second.first + options_.max_delay);
  }
  acv_.notify_all();
}

void Server::analysis_loop() {
  for (;;) {
    std::string uri;
    {
      std::unique_lock lock(amu_);
      for (;;) {
        if (astop_) return;
        if (analyses_pending_.empty()) {
          acv_.wait(lock);
          continue;
        }
        auto next = analyses_pending_.begin();
        for (auto it = analyses_pending_.begin(); it != analyses_pending_.end(); ++it)
          if (it->second.due < next->second.due) next = it;
        if (std::chrono::steady_clock::now() >= next->second.due) {
          uri = next->first;
          analyses_pending_.erase(next);
          analysing_ = true;
          break;
        }
        acv_.wait_until(lock, next->second.due);
      }
    }
    if (options_.before_analysis) options_.before_analysis(uri);
    {
      // A change that arrived while the hook blocked makes this run analyse the newest text;
      // drop the pending entry it created so that version is not analysed twice.
      std::lock_guard lock(amu_);
      analyses_pending_.erase(uri);
    }
    try {
      ++analyses_;
      if (auto publication = handlers_->diagnostics(uri)) {
        // Publish only when no newer version arrived meanwhile: the newest version wins.
        bool stale = false;
        {
          std::lock_guard lock(amu_);
          stale = analyses_pending_.count(uri) > 0;
        }
        if (!stale && handlers_->publish(uri, std::move(*publication))) ++published_;
      }
    } catch (const std::exception& e) {
      send(notification("window/logMessage",
                        json::object{{"type", 1}, {"message", "analysis of " + uri + " failed: " + e.what()}}));
    }
    {
      std::lock_guard lock(amu_);
      analysing_ = false;
    }
    aidle_cv_.notify_all();
  }
}

void Server::wait_idle() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      idle_cv_.wait(lock, [&] { return stop_ || (queue_.empty() && !busy_); });
    }
    {
      std::unique_lock lock(amu_);
      aidle_cv_.wait(lock, [&] { return astop_ || (analyses_pending_.empty() && !analysing_); });
    }
    std::lock_guard lock(mu_);
    if (stop_ || (queue_.empty() && !busy_)) return;
  }
}

int serve(std::istream& in, std::ostream& out, ServerOptions options) {
  FrameWriter writer(out);
  FrameReader reader(in);
  Server server([&](const json::value& m) { writer.write(m); }, std::move(options));
  std::string body, error;
  while (!server.exited()) {
    ReadStatus status = reader.read(body, error);
    if (status == ReadStatus::Eof) break;
    if (status == ReadStatus::BadHeader)
      server.bad_frame(error);
    else
      server.receive(body);
  }
  if (!server.exited()) server.wait_idle();
  return server.exit_code();
}

}  // namespace weft::lsp

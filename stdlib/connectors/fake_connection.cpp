#include "stdlib/connectors/fake_connection.h"

#include <cctype>

namespace weft::connectors {

namespace {

bool glob(std::string_view p, std::string_view s) {
  if (p.empty()) return s.empty();
  if (p.substr(0, 2) == "**") {
    for (std::size_t i = 0; i <= s.size(); ++i)
      if (glob(p.substr(2), s.substr(i))) return true;
    return false;
  }
  if (p.front() == '*') {
    for (std::size_t i = 0; i <= s.size(); ++i) {
      if (glob(p.substr(1), s.substr(i))) return true;
      if (i < s.size() && s[i] == '/') break;
    }
    return false;
  }
  return !s.empty() && p.front() == s.front() && glob(p.substr(1), s.substr(1));
}

}  // namespace

bool path_matches(std::string_view pattern, std::string_view path) {
  path = path.substr(0, path.find('?'));
  return glob(pattern, path);
}

bool FakeConnection::method_matches(std::string_view rule, std::string_view method) {
  if (rule == "*") return true;
  if (rule.size() != method.size()) return false;
  for (std::size_t i = 0; i < rule.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(rule[i])) != std::toupper(static_cast<unsigned char>(method[i])))
      return false;
  return true;
}

void FakeConnection::on(std::string method, std::string path_pattern, std::vector<CallResult> script) {
  std::lock_guard lock(mu_);
  rules_.push_back(Rule{std::move(method), std::move(path_pattern), std::move(script), 0});
}

boost::asio::awaitable<CallResult> FakeConnection::call(Request request) {
  CallResult result;
  {
    std::lock_guard lock(mu_);
    calls_.push_back(request);
    bool matched = false;
    for (auto& rule : rules_) {
      if (!method_matches(rule.method, request.method) || !path_matches(rule.pattern, request.url)) continue;
      matched = true;
      if (rule.script.empty()) {
        CallError e;
        e.kind = ErrorKind::failure;
        e.reason = ErrorReason::unmatched;
        e.message = "mock for " + request.method + " " + rule.pattern + " has no responses";
        result = e;
      } else {
        result = rule.script[std::min(rule.next, rule.script.size() - 1)];
        if (rule.next < rule.script.size()) ++rule.next;
      }
      break;
    }
    if (!matched) {
      CallError e;
      e.kind = ErrorKind::failure;
      e.reason = ErrorReason::unmatched;
      e.message = "no mock matches " + request.method + " " + request.url;
      result = e;
    }
  }
  co_return result;
}

std::vector<Request> FakeConnection::calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

std::vector<Request> FakeConnection::calls(std::string_view method, std::string_view path_pattern) const {
  std::lock_guard lock(mu_);
  std::vector<Request> out;
  for (const auto& c : calls_)
    if (method_matches(method, c.method) && path_matches(path_pattern, c.url)) out.push_back(c);
  return out;
}

void FakeConnection::clear() {
  std::lock_guard lock(mu_);
  rules_.clear();
  calls_.clear();
}

void FakeConnection::set_breaker(std::optional<BreakerState> state) {
  std::lock_guard lock(mu_);
  breaker_ = state;
}

std::optional<BreakerState> FakeConnection::breaker() const {
  std::lock_guard lock(mu_);
  return breaker_;
}

}  // namespace weft::connectors

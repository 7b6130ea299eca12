// A stand-in for the CRM, marketing and accounting APIs of examples/crm_contact_sync.flow, so the
// example runs end to end on one machine: listens on 127.0.0.1 (ephemeral port, printed on stdout),
// answers like the real systems would, and prints every request it receives on stderr.
// Runs until stdin closes or SECONDS (argv[1], default 60) pass.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "tests/e2e/engine/test_server.h"

using weft::e2e::Answer;
using weft::e2e::RecordedRequest;

int main(int argc, char** argv) {
  int seconds = argc > 1 ? std::atoi(argv[1]) : 60;
  weft::e2e::TestServer server;
  auto log = [](const RecordedRequest& r) {
    std::cerr << "  stand-in API got " << r.method << " " << r.path;
    if (!r.header("authorization").empty()) std::cerr << " (Authorization: " << r.header("authorization").substr(0, 6) << "…)";
    if (!r.header("x-api-key").empty()) std::cerr << " (X-Api-Key set)";
    if (!r.body.empty()) std::cerr << " " << r.body;
    std::cerr << "\n";
  };
  server.handle_prefix("/contacts/", [log](const RecordedRequest& r) {
    log(r);
    return Answer(200, R"({"id":"42","firstName":"Ada","lastName":"Lovelace","email":"ADA@EXAMPLE.COM",)"
                       R"("company":"Analytical Engines Ltd","tags":["vip","internal:imported"]})");
  });
  server.handle_prefix("/subscribers/", [log](const RecordedRequest& r) {
    log(r);
    return Answer(200, R"({"id":"sub-1001"})");
  });
  server.handle("/customers", [log](const RecordedRequest& r) {
    log(r);
    return Answer(201, R"({"id":"cust-77"})");
  });
  std::cout << server.port() << std::endl;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  return 0;
}

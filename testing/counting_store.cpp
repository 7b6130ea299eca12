#include "testing/counting_store.h"

#include <boost/asio/post.hpp>

namespace weft::testing {

// The count drops on the io_context, inside the posted callback, so that the runner never sees
// "nothing in flight" while a completion is on its way to the io_context.
void CountingStore::create(store::NewExecution e, CreateCallback done) {
  ++in_flight_;
  inner_->create(std::move(e), [this, done = std::move(done)](const store::Result<store::Created>& r) {
    boost::asio::post(io_, [this, done, r] {
      --in_flight_;
      done(r);
    });
  });
}

void CountingStore::transition(store::Transition t, Callback done) {
  ++in_flight_;
  inner_->transition(std::move(t), [this, done = std::move(done)](const store::Status& st) {
    boost::asio::post(io_, [this, done, st] {
      --in_flight_;
      done(st);
    });
  });
}

void CountingStore::enqueue_signal(std::string_view execution_id, std::string_view name, boost::json::value payload,
                                   Callback done) {
  ++in_flight_;
  inner_->enqueue_signal(execution_id, name, std::move(payload), [this, done = std::move(done)](const store::Status& st) {
    boost::asio::post(io_, [this, done, st] {
      --in_flight_;
      done(st);
    });
  });
}

}  // namespace weft::testing

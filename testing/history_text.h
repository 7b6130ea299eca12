// A failing test prints the history of the flows it ran: one line per event, its time relative
// to the test's start, its type and its data.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/store/execution_store.h"

namespace weft::testing {

/// The events as text, indented, times as `+<duration>` since `epoch_ms`.
std::string history_text(const std::vector<store::HistoryEvent>& events, int64_t epoch_ms);

}  // namespace weft::testing

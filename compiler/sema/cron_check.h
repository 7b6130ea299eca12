// Validation of `on schedule "..."` expressions (LANGUAGE.md §5): 5-field cron with lists,
// ranges, steps, JAN–DEC / SUN–SAT names, 0 and 7 for Sunday, and the @hourly-style aliases.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace weft::sema {

/// What is wrong with a cron expression: a message and the 0-based byte offset it refers to.
struct CronError {
  std::string message;
  size_t offset = 0;
};

/// Nullopt when `expr` is a valid schedule.
std::optional<CronError> validate_cron(std::string_view expr);

}  // namespace weft::sema
